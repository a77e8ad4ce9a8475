package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.train.ClusterTraining;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;
import dev.gatun.train.History;
import dev.gatun.train.TrainingResult;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * {@code gatun train --spark MASTER}: the same run through a cluster engine found by name, reported as
 * {@code gatun train} reports (per-epoch lines, test accuracy, the model file, plots, the JSON object with the
 * engine's own figures added). The replicas return their per-epoch losses with the model, so the epoch lines are
 * printed when the cluster run ends; the last one also carries the final model's training accuracy and dev
 * figures, evaluated here.
 */
record ClusterRun(ClusterTraining engine, String master, int partitions, int epochs) {
    private static final String ENGINE = "spark";
    private static final String HOW_TO_GET_IT = "gatun train --spark needs Gatun's Spark module (dev.gatun:gatun-spark)"
            + " and Apache Spark on the class path: ./gatun train --spark builds spark/ and adds both; with spark-submit,"
            + " submit the gatun-spark jar with the gatun jar in --jars";

    /**
     * The engine, once the options have been checked against what a cluster run does: no per-epoch checkpoints or
     * resuming, and no augmentation, early stopping or regression yet.
     */
    static ClusterTraining requireUsable(TrainCommand c) {
        if (c.spark.isBlank()) {
            throw new UsageException("--spark needs a master URL such as local[2] or spark://host:7077");
        }
        if (c.partitions < 0) {
            throw new UsageException("--partitions must be >= 0 (0: the application's default parallelism), got " + c.partitions);
        }
        String refused = c.resume != null ? "--resume" : c.checkpoint != null ? "--checkpoint"
                : c.augment ? "--augment" : c.earlyStop != 0 ? "--early-stop"
                : !c.data.task.strip().equalsIgnoreCase("classification") ? "--task " + c.data.task : null;
        if (refused != null) {
            throw new UsageException(refused + " is not available with --spark yet (a Spark run trains a classifier"
                    + " for all its epochs, without augmentation, and writes no checkpoints)");
        }
        return find();
    }

    private static ClusterTraining find() {
        try {
            for (ClusterTraining candidate : ServiceLoader.load(ClusterTraining.class, ClusterRun.class.getClassLoader())) {
                if (candidate.engine().equals(ENGINE)) {
                    return candidate;
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new IllegalStateException(HOW_TO_GET_IT + " (" + e.getMessage() + ")", e);
        }
        throw new IllegalStateException(HOW_TO_GET_IT);
    }

    int train(TrainConfig config, TrainingData input, Path plots, boolean json, Path outFile, Arena arena)
            throws Exception {
        DataSet all = input.train();
        DataSet.Split split = config.dev() > 0 ? all.split(config.dev(), config.seed()) : null;
        DataSet train = split != null ? split.train() : all;
        System.out.printf("training %s on %s through Spark (%s, %s): %d train, %d dev samples; %s, global batch %d%n",
                config.layers(), input.source(), master, partitions == 0 ? "default parallelism" : partitions + " partitions",
                train.size(), split == null ? 0 : split.dev().size(), TrainConfig.enumName(config.optimizer()), config.batch());
        ClusterTraining.Result result = engine.train(new ClusterTraining.Request(master, partitions,
                config.modelSpec().toMap(), config.optimizer(), config.lr(), config.beta1(), config.beta2(), epochs,
                config.batch(), config.seed(), config.normalize(), train, config.schedule()));
        ModelIo.LoadedModel loaded = load(result.modelFile(), arena);
        try (Model model = loaded.model()) {
            Normalization normalization = loaded.normalization();
            History history = history(result, model, normalization, train, split, config.schedule());
            history.epochs().forEach(stats -> System.out.println(ProgressBar.epochLine(stats)));
            TrainingResult finished = new TrainingResult(TrainingResult.Outcome.COMPLETED, history, history.size(),
                    result.steps(), null);
            return new TrainReport(config, input, split, plots, json, Map.of(engine.engine(), result.details()))
                    .report(finished, model, normalization, outFile);
        }
    }

    /**
     * One line per epoch from the replicas' losses and times, with the rate of the epoch's last step, as
     * {@code gatun train} reports it; the last adds the final model's accuracy on the training rows and its dev
     * figures.
     */
    private static History history(ClusterTraining.Result result, Model model, Normalization normalization,
                                   DataSet train, DataSet.Split split, LearningRateSchedule schedule) {
        History history = new History();
        int n = result.epochLosses().length;
        long stepsPerEpoch = result.steps() / Math.max(1, n);
        Evaluation trainFit = evaluate(train, model, normalization);
        Evaluation dev = split == null ? null : evaluate(split.dev(), model, normalization);
        for (int e = 0; e < n; e++) {
            boolean last = e == n - 1;
            double seconds = result.epochSeconds()[e];
            history.add(new EpochStats(e + 1, result.epochLosses()[e], last ? trainFit.accuracy() : Double.NaN,
                    last && dev != null ? dev.loss() : Double.NaN, last && dev != null ? dev.accuracy() : Double.NaN,
                    schedule.rate(e + 1, (e + 1) * stepsPerEpoch), train.size() / seconds, seconds));
        }
        return history;
    }

    private static Evaluation evaluate(DataSet data, Model model, Normalization normalization) {
        try (Evaluator evaluator = new Evaluator(data, normalization, Evaluator.DEFAULT_BATCH)) {
            return evaluator.evaluate(model);
        }
    }

    /** The engine's model file, read through a private temporary file. */
    private static ModelIo.LoadedModel load(byte[] modelFile, Arena arena) throws IOException {
        Path folder = Files.createTempDirectory("gatun-cluster-model");
        Path file = folder.resolve("model.gatun");
        try {
            Files.write(file, modelFile);
            return ModelIo.load(file, arena);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder);
        }
    }
}

package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.train.ClusterTraining;
import dev.gatun.train.History;
import dev.gatun.train.TrainingResult;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * {@code gatun train --spark MASTER}: the same run through a cluster engine found by name, reported as
 * {@code gatun train} reports (per-epoch lines, the test figures, the model file, plots, the JSON object with the
 * engine's own figures added). The epoch lines are printed as the cluster finishes each epoch
 * ({@link ClusterEpochs}).
 */
record ClusterRun(ClusterTraining engine, String master, int partitions, int epochs) {
    private static final String ENGINE = "spark";
    private static final String HOW_TO_GET_IT = "gatun train --spark needs Gatun's Spark module (dev.gatun:gatun-spark)"
            + " and Apache Spark on the class path: ./gatun train --spark builds spark/ and adds both; with spark-submit,"
            + " submit the gatun-spark jar with the gatun jar in --jars";

    /**
     * The engine, once the options have been checked against what a cluster run does: no augmentation yet (a
     * regression trains: the command's CSV data has one target a row).
     */
    static ClusterTraining requireUsable(TrainCommand c) {
        if (c.spark.isBlank()) {
            throw new UsageException("--spark needs a master URL such as local[2] or spark://host:7077");
        }
        if (c.partitions < 0) {
            throw new UsageException("--partitions must be >= 0 (0: the tasks the application runs at once), got " + c.partitions);
        }
        c.data.regression();   // an unknown --task is a usage error here, as without --spark
        if (c.augment) {
            throw new UsageException("--augment is not available with --spark yet (a Spark run trains without"
                    + " augmentation)");
        }
        return find();
    }

    /** A resumed run's configuration, which its checkpoint sets, against what a cluster run does. */
    static void requireResumable(TrainConfig config, Path checkpoint) {
        if (config.augment()) {
            throw new UsageException("--resume " + checkpoint + " with --spark: that run used augmentation, which a"
                    + " Spark run does not do yet; resume it without --spark");
        }
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

    /**
     * Trains and reports.
     *
     * @param resumed the checkpoint this run continues, read from {@code resumedFile}; null for a new run
     * @param checkpoints where each epoch's checkpoint goes; null for none
     */
    int train(TrainConfig config, TrainingData input, Path plots, boolean json, Path outFile, Arena arena,
              Checkpoint resumed, Path resumedFile, ClusterEpochs.Checkpoints checkpoints) throws Exception {
        DataSet all = input.train();
        DataSet.Split split = config.dev() > 0 ? all.split(config.dev(), config.seed()) : null;
        DataSet train = split != null ? split.train() : all;
        System.out.printf("training %s on %s through Spark (%s, %s): %d train, %d dev samples; %s, global batch %d%n",
                config.layers(), input.source(), master, partitions == 0 ? "one replica per task slot" : partitions + " partitions",
                train.size(), split == null ? 0 : split.dev().size(), TrainConfig.enumName(config.optimizer()), config.batch());
        History before = resumed == null ? new History() : resumed.history();
        ClusterTraining.Start start = ClusterTraining.Start.FRESH;
        byte[] bestBefore = null;
        if (resumed != null) {
            // The checkpoint is a model file with the optimizer's state: the engine starts its replicas from it.
            start = new ClusterTraining.Start(before.size(), Files.readAllBytes(resumedFile));
            System.out.printf("resuming %s after epoch %d of %d%n", resumedFile, before.size(), epochs);
            Path best = resumed.bestWeights(resumedFile);
            bestBefore = best != null ? Files.readAllBytes(best) : null;
        }
        ClusterEpochs epochLines = new ClusterEpochs(train, split == null ? null : split.dev(), before, bestBefore,
                start.checkpoint(), config.earlyStop(), epochs, checkpoints);
        ClusterTraining.Result result = engine.train(new ClusterTraining.Request(master, partitions,
                config.modelSpec().toMap(), config.optimizer(), config.lr(), config.beta1(), config.beta2(), epochs,
                config.batch(), config.seed(), config.normalize(), train, config.schedule(), start), epochLines);
        History history = epochLines.history();
        if (history.size() != before.size() + result.epochLosses().length) {
            throw new IllegalStateException("the " + engine.engine() + " engine reported " + (history.size() - before.size())
                    + " epochs as they finished but returned " + result.epochLosses().length);
        }
        ModelIo.LoadedModel loaded = ClusterEpochs.load(epochLines.finalModel(result.modelFile()), arena);
        try (Model model = loaded.model()) {
            TrainingResult finished = new TrainingResult(epochLines.stoppedEarly() ? TrainingResult.Outcome.EARLY_STOPPED
                    : TrainingResult.Outcome.COMPLETED, history, epochLines.bestEpoch(), result.steps(), null);
            // The executors step their replicas without a trainer's JIT warm-up: 0, so both runs report the same keys.
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("warm_up_seconds", 0.0);
            extra.put(engine.engine(), result.details());
            return new TrainReport(config, input, split, plots, json, extra)
                    .report(finished, model, loaded.normalization(), outFile);
        }
    }
}

package dev.gatun.spark.bench;

import dev.gatun.activation.Activation;
import dev.gatun.blas.Blas;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;
import dev.gatun.train.Trainer;
import dev.gatun.train.TrainingListener;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parameter averaging every K steps (MLlib's and DL4J's averaging trainers) beside Gatun's synchronous data
 * parallelism, on Fashion-MNIST with the main job's model and optimizer ({@code gatun train}'s defaults:
 * 784-256-128-10, ReLU, He initialisation, Adam α = 1e-3, β₁ = 0.9, β₂ = 0.999, inputs scaled to [0, 1], seed 42).
 *
 * <p>Averaging: the 60,000 training rows cut into P seeded shards, P replicas each stepping on B/P rows of its own
 * shard, their parameters (variant {@code parameters}) or parameters and Adam's moments (variant
 * {@code parameters+moments}) averaged every K steps and at the end of every epoch. Synchronous: Gatun's own
 * {@link Trainer} at global batch B, which is what Gatun on Spark computes for any P (its replicas sum their
 * gradients every step) up to the order of float sums. No Spark: where the replicas run changes the time, not the
 * numbers; a run's communication is its all-reduces per epoch, timed separately (RingTiming).
 *
 * <p>One BLAS thread, as a Spark replica with {@code spark.task.cpus = 1} runs. Prints one JSON object per run and
 * epoch; progress on stderr.
 *
 * <p>Usage: {@code ParameterAveragingRun [--data DIR] [--epochs 4] [--partitions 2,4,8] [--every 1,4,16,64]
 * [--variants parameters,parameters+moments] [--batch 128] [--seed 42]}
 */
public final class ParameterAveragingRun {
    private static final String PARAMETERS = "parameters";
    private static final String WITH_MOMENTS = "parameters+moments";

    private ParameterAveragingRun() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path data = Path.of(options.getOrDefault("data", "/usr/share/datasets/fashion-mnist"));
        int epochs = Integer.parseInt(options.getOrDefault("epochs", "4"));
        int[] partitions = ints(options.getOrDefault("partitions", "2,4,8"));
        int[] every = ints(options.getOrDefault("every", "1,4,16,64"));
        List<String> variants = List.of(options.getOrDefault("variants", PARAMETERS + "," + WITH_MOMENTS).split(","));
        int batch = Integer.parseInt(options.getOrDefault("batch", "128"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        if (epochs < 1 || batch < 1) {
            throw new IllegalArgumentException("--epochs and --batch must be >= 1, got " + epochs + " and " + batch);
        }
        for (String variant : variants) {
            if (!variant.equals(PARAMETERS) && !variant.equals(WITH_MOMENTS)) {
                throw new IllegalArgumentException("--variants: '" + variant + "' is neither " + PARAMETERS + " nor "
                        + WITH_MOMENTS);
            }
        }
        Blas.setThreads(1);
        ModelSpec spec = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(seed).spec();
        try (MnistDirectory mnist = MnistDirectory.load(data)) {
            DataSet train = mnist.train();
            DataSet test = mnist.test();
            Normalization normalization = Normalization.scaleToUnit(train.features());
            synchronous(spec, train, test, normalization, batch, epochs, seed);
            for (int p : partitions) {
                if (p < 1 || batch % p != 0) {
                    throw new IllegalArgumentException("--partitions: " + p + " replicas cannot share batches of "
                            + batch + " rows equally");
                }
                List<DataSet> shards = AveragedReplicas.shards(train, p, seed);
                for (String variant : variants) {
                    for (int k : every) {
                        if (k < 1) {
                            throw new IllegalArgumentException("--every: K must be >= 1, got " + k);
                        }
                        averaging(spec, shards, test, normalization, batch, epochs, seed, k, variant);
                    }
                }
            }
        }
    }

    /** Gatun's synchronous data parallelism, as one process computes it: the Trainer at global batch B. */
    private static void synchronous(ModelSpec spec, DataSet train, DataSet test, Normalization normalization,
                                    int batch, int epochs, long seed) {
        List<EpochStats> stats = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); Model model = Model.build(spec, DType.F32, arena);
             Optimizer adam = adam();
             Trainer trainer = Trainer.builder(model, adam, train).dev(test).normalization(normalization)
                     .batchSize(batch).epochs(epochs).seed(seed).stepThreads(1).trainEvaluationSize(1000)
                     .listener(new TrainingListener() {
                         @Override
                         public void epochFinished(EpochStats s) {
                             stats.add(s);
                         }
                     }).build()) {
            trainer.run();
        }
        int steps = (train.size() + batch - 1) / batch;
        for (EpochStats s : stats) {
            // The dev set is the test set: evaluated after every epoch, never used to stop or choose.
            System.out.println(String.format(Locale.ROOT, "{\"P\":null,\"K\":1,\"variant\":\"synchronous\","
                            + "\"engine\":\"Trainer\",\"epoch\":%d,\"train_loss\":%.6f,\"test_loss\":%.6f,"
                            + "\"test_accuracy\":%.4f,\"steps_per_epoch\":%d,\"allreduces_per_epoch\":%d,"
                            + "\"seconds\":%.3f}",
                    s.epoch(), s.trainLoss(), s.devLoss(), s.devAccuracy(), steps, steps, s.seconds()));
            System.err.printf(Locale.ROOT, "synchronous epoch %d: test %.2f%%%n", s.epoch(), 100 * s.devAccuracy());
        }
    }

    private static void averaging(ModelSpec spec, List<DataSet> shards, DataSet test, Normalization normalization,
                                  int batch, int epochs, long seed, int every, String variant) {
        boolean moments = variant.equals(WITH_MOMENTS);
        int p = shards.size();
        try (AveragedReplicas replicas = new AveragedReplicas(spec, shards, batch / p, normalization, seed,
                ParameterAveragingRun::adam);
             Evaluator evaluator = new Evaluator(test, normalization, Evaluator.DEFAULT_BATCH)) {
            int steps = replicas.stepsPerEpoch();
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long begin = System.nanoTime();
                long computeBefore = replicas.computeNanos();
                long cpuBefore = replicas.computeCpuNanos();
                long averageBefore = replicas.averageNanos();
                long[] rows = {0};
                double weighted = 0;
                int averages = 0;
                for (int k = 1; k <= steps; k++) {
                    weighted += replicas.step(rows);
                    // An epoch ends averaged, so that there is one model to test, as the averaging trainers end a fit.
                    if (k % every == 0 || k == steps) {
                        replicas.average(moments);
                        averages++;
                    }
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                Evaluation result = evaluator.evaluate(replicas.model(0));
                System.out.println(String.format(Locale.ROOT, "{\"P\":%d,\"K\":%d,\"variant\":\"%s\","
                                + "\"engine\":\"averaging\",\"epoch\":%d,\"train_loss\":%.6f,\"test_loss\":%.6f,"
                                + "\"test_accuracy\":%.4f,\"steps_per_epoch\":%d,\"allreduces_per_epoch\":%d,"
                                + "\"replica_compute_seconds\":%.4f,\"replica_compute_cpu_seconds\":%.4f,\"averaging_seconds\":%.4f,"
                                + "\"seconds\":%.3f}",
                        p, every, variant, epoch, weighted / rows[0], result.loss(), result.accuracy(), steps, averages,
                        (replicas.computeNanos() - computeBefore) / 1e9 / p,
                        (replicas.computeCpuNanos() - cpuBefore) / 1e9 / p,
                        (replicas.averageNanos() - averageBefore) / 1e9, seconds));
                System.err.printf(Locale.ROOT, "P=%d K=%d %s epoch %d: test %.2f%%, %.1f s%n", p, every, variant, epoch,
                        100 * result.accuracy(), seconds);
            }
        }
    }

    /** {@code gatun train}'s default optimizer. */
    private static Optimizer adam() {
        return Optimizer.adam(1e-3, Optimizer.DEFAULT_BETA1, Optimizer.DEFAULT_BETA2, Optimizer.DEFAULT_EPSILON);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: ParameterAveragingRun [--data DIR] [--epochs N]"
                        + " [--partitions 2,4,8] [--every 1,4,16,64] [--variants parameters,parameters+moments]"
                        + " [--batch 128] [--seed 42]; got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
}

package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.MnistDirectory;
import dev.gatun.kernels.StepPool;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel replicas inside one process: a step over shares of the batch gives the whole batch's cost and
 * gradients (to float rounding: the sums run in another order), the replicas see the model's weights as the optimizer
 * changes them, a run repeats bit for bit at a given thread count, a steady epoch allocates nothing, and models the
 * replicas cannot run keep the step threads.
 */
class ReplicaStepsTest {
    private static final int FEATURES = 20;

    @TempDir
    Path dir;

    private static Model.Builder network(boolean dropout) {
        Model.Builder b = Model.builder(FEATURES).dense(32, Activation.RELU);
        if (dropout) {
            b.dropout(0.8);
        }
        return b.dense(16, Activation.TANH).output(4, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l2(0.01).seed(3);
    }

    private static Tensor inputs(Arena arena, int rows, long seed) {
        Tensor X = Tensor.allocate(arena, DType.F32, rows, FEATURES);
        SplittableRandom random = new SplittableRandom(seed);
        for (long k = 0; k < X.size(); k++) {
            X.set(k, random.nextDouble(-1, 1));
        }
        return X;
    }

    private static Targets labels(Arena arena, int rows) {
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = (i * 7) % 4;
        }
        return Targets.labels(arena, y);
    }

    @Test
    void a_step_over_shares_gives_the_whole_batchs_cost_and_gradients() {
        for (int threads : new int[] {2, 3}) {
            // 67: unequal shares; 1 and 2: shares of no rows, as in a small last batch.
            for (int rows : new int[] {96, 67, 2, 1}) {
                try (Arena arena = Arena.ofShared();
                     Model whole = network(false).build(arena);
                     Model shared = network(false).build(arena);
                     StepPool pool = new StepPool(threads);
                     ReplicaSteps replicas = new ReplicaSteps(shared, threads, rows, arena, pool)) {
                    Tensor X = inputs(arena, rows, 9);
                    Targets y = labels(arena, rows);
                    double expected = whole.computeGradients(X, y);
                    double actual = replicas.computeGradients(X, y, X.rows());
                    replicas.gatherGradients();
                    String where = threads + " replicas, " + rows + " rows";
                    assertEquals(expected, actual, 1e-6 * Math.abs(expected), where + ": cost");
                    assertEquals(whole.step(), shared.step(), where + ": step counter");
                    List<Parameter> a = whole.parameters();
                    List<Parameter> b = shared.parameters();
                    for (int p = 0; p < a.size(); p++) {
                        Tensor ga = a.get(p).grad();
                        Tensor gb = b.get(p).grad();
                        double scale = 0;
                        for (long k = 0; k < ga.size(); k++) {
                            scale = Math.max(scale, Math.abs(ga.get(k)));
                        }
                        assertTrue(scale > 0, where + ": " + a.get(p).name() + " has a gradient");
                        for (long k = 0; k < ga.size(); k++) {
                            assertEquals(ga.get(k), gb.get(k), 2e-6 * scale,
                                    where + ": d" + a.get(p).name() + "[" + k + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void replicas_read_the_models_weights_as_the_optimizer_changes_them() {
        try (Arena arena = Arena.ofShared();
             Model whole = network(false).build(arena);
             Model shared = network(false).build(arena);
             StepPool pool = new StepPool(2);
             ReplicaSteps replicas = new ReplicaSteps(shared, 2, 64, arena, pool);
             Optimizer adamWhole = Optimizer.adam(1e-2);
             Optimizer adamShared = Optimizer.adam(1e-2)) {
            Targets y = labels(arena, 64);
            double[] costs = new double[2];
            for (int step = 0; step < 30; step++) {
                Tensor X = inputs(arena, 64, step);
                costs[0] = whole.computeGradients(X, y);
                adamWhole.step(whole.parameters());
                costs[1] = replicas.computeGradients(X, y, X.rows());
                replicas.step(adamShared);
                // Had a replica kept the first weights, its half of the gradient would drift from the whole batch's.
                assertEquals(costs[0], costs[1], 1e-4 * Math.abs(costs[0]), "cost at step " + step);
            }
        }
    }

    @Test
    void the_update_that_adds_the_replicas_gradients_gives_the_bits_of_summing_them_first() {
        for (int threads : new int[] {2, 3}) {
            float[] fused = runWithout(threads, false);
            float[] summed = runWithout(threads, true);
            assertTrue(Arrays.equals(fused, summed), threads + " replicas: the fused update gave other weights");
        }
    }

    /** 10 Adam steps of a model without a penalty (which the two orders would add at different points). */
    private static float[] runWithout(int threads, boolean gatherFirst) {
        try (Arena arena = Arena.ofShared();
             Model model = Model.builder(FEATURES).dense(32, Activation.RELU).output(4, Loss.SOFTMAX_CROSS_ENTROPY)
                     .init(Init.HE).seed(5).build(arena);
             StepPool pool = new StepPool(threads);
             ReplicaSteps replicas = new ReplicaSteps(model, threads, 64, arena, pool);
             Optimizer adam = Optimizer.adam(1e-2)) {
            Targets y = labels(arena, 64);
            for (int step = 0; step < 10; step++) {
                replicas.computeGradients(inputs(arena, 64, step), y, 64);
                if (gatherFirst) {
                    replicas.gatherGradients();
                }
                replicas.step(adam);
            }
            return RunFigures.weights(model);
        }
    }

    /** Zeroing the gradients before each pass (GradientClaim) changes no bit: the pass writes every element. */
    @Test
    void zeroing_the_gradients_first_or_not_gives_the_same_bits() {
        for (int threads : new int[] {2, 3}) {
            float[] zeroed = run(true, threads, new GradientClaim("true"), 12);
            float[] overwritten = run(true, threads, new GradientClaim("false"), 12);
            assertTrue(Arrays.equals(zeroed, overwritten), threads + " replicas: zeroing first gave other weights");
        }
    }

    @Test
    void a_run_repeats_bit_for_bit_with_dropout() {
        float[] first = run(true);
        float[] second = run(true);
        assertTrue(Arrays.equals(first, second), "two runs with 2 replicas gave different weights");
        assertNotEquals(Arrays.hashCode(first), Arrays.hashCode(run(false)), "dropout changed nothing");
    }

    private static float[] run(boolean dropout) {
        return run(dropout, 2, new GradientClaim(), 20);
    }

    /** {@code steps} Adam steps of {@link #network} on {@code threads} replicas; the final weights. */
    private static float[] run(boolean dropout, int threads, GradientClaim claim, int steps) {
        try (Arena arena = Arena.ofShared();
             Model model = network(dropout).build(arena);
             StepPool pool = new StepPool(threads);
             ReplicaSteps replicas = new ReplicaSteps(model, threads, 64, arena, pool, claim);
             Optimizer adam = Optimizer.adam(1e-2)) {
            Targets y = labels(arena, 64);
            for (int step = 0; step < steps; step++) {
                replicas.computeGradients(inputs(arena, 64, step), y, 64);
                replicas.step(adam);
            }
            return RunFigures.weights(model);
        }
    }

    @Test
    void models_and_batches_replicas_cannot_run_keep_the_step_threads() {
        try (Arena arena = Arena.ofShared();
             Model plain = network(true).build(arena);
             Model normalized = Model.builder(FEATURES).dense(8, Activation.RELU).batchNorm()
                     .output(4, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            assertTrue(ReplicaSteps.suits(plain, 2, 64));
            assertFalse(ReplicaSteps.suits(plain, 1, 1024), "one thread");
            assertFalse(ReplicaSteps.suits(plain, 2, 63), "31 rows per replica");
            assertFalse(ReplicaSteps.suits(normalized, 2, 1024), "batch norm");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> normalized.replicaSharingWeights(arena));
            assertTrue(e.getMessage().contains("batchnorm1"), e.getMessage());
            String before = System.getProperty(ReplicaSteps.PROPERTY);
            System.setProperty(ReplicaSteps.PROPERTY, "false");
            try {
                assertFalse(ReplicaSteps.suits(plain, 2, 1024), "-Dgatun.step.replicas=false");
            } finally {
                if (before == null) {
                    System.clearProperty(ReplicaSteps.PROPERTY);
                } else {
                    System.setProperty(ReplicaSteps.PROPERTY, before);
                }
            }
        }
    }

    @Test
    void a_pool_of_another_size_is_refused() {
        try (Arena arena = Arena.ofShared(); Model model = network(false).build(arena); StepPool pool = new StepPool(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ReplicaSteps(model, 2, 64, arena, pool));
            assertTrue(e.getMessage().contains("a pool of 3 threads for 2 replicas"), e.getMessage());
        }
    }

    @Test
    void a_trainer_with_two_step_threads_runs_replicas_and_repeats_bit_for_bit() throws IOException {
        LearnableData.write(dir, 1_000, 50, 4, false);
        double[] first = trainedLosses(3, null);
        double[] second = trainedLosses(3, null);
        assertArrayEquals(first, second, 0.0, "the losses of two runs");
        assertTrue(first[2] < first[0], "the loss fell: " + Arrays.toString(first));
    }

    @Test
    void a_steady_replicated_epoch_allocates_nothing_on_any_step_thread() throws IOException {
        LearnableData.write(dir, 1_000, 10, 9, false);
        long[] fewest = {Long.MAX_VALUE};
        trainedLosses(Integer.getInteger("test.epochs", 5_000), fewest);
        assertEquals(0, fewest[0], "fewest bytes allocated by the training thread and gatun-step-1 over the steps of"
                + " an epoch, once the JIT has compiled them");
    }

    /** Each epoch's loss; with {@code fewest}, also the fewest bytes the steps of an epoch allocated, stopping at 0. */
    private double[] trainedLosses(int epochs, long[] fewest) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] start = new long[2];
        long[] worker = {-1};
        Trainer[] running = new Trainer[1];
        try (MnistDirectory data = LearnableData.load(dir);
             Arena arena = Arena.ofShared();
             Model model = Model.builder(LearnableData.FEATURES).dense(48, Activation.RELU).dropout(0.9)
                     .dense(24, Activation.RELU).output(4, Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build(arena);
             Optimizer adam = Optimizer.adam(2e-3);
             Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(64).epochs(epochs)
                     .stepThreads(2).warmUp(false).listener(new TrainingListener() {
                         @Override
                         public void batchFinished(int epoch, long batch, long batches, double loss, double rate) {
                             if (batch == 1 && worker[0] < 0) {
                                 worker[0] = stepWorker();
                             } else if (fewest != null && batch == 2) {
                                 start[1] = threads.getThreadAllocatedBytes(worker[0]);
                                 start[0] = threads.getCurrentThreadAllocatedBytes();
                             } else if (fewest != null && batch == batches - 1) {
                                 fewest[0] = Math.min(fewest[0], threads.getCurrentThreadAllocatedBytes() - start[0]
                                         + threads.getThreadAllocatedBytes(worker[0]) - start[1]);
                                 if (fewest[0] == 0) {
                                     running[0].requestStop();
                                 }
                             }
                         }
                     }).build()) {
            running[0] = trainer;
            TrainingResult result = trainer.run();
            assertTrue(worker[0] >= 0, "no gatun-step-1 thread while training with 2 step threads");
            assertEquals(2, trainer.replicaCount(), "replicas ran the steps");
            return result.history().epochs().stream().mapToDouble(EpochStats::trainLoss).toArray();
        }
    }

    private static long stepWorker() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("gatun-step-1")) {
                return t.threadId();
            }
        }
        return -1;
    }
}

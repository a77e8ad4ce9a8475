package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.kernels.SplitKernels;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole training runs with the step's kernels split over 1, 2 and 3 threads, and with splitting switched off: the
 * same history and weights bit for bit (every split kernel gives the bits of one thread, the loss included). The
 * minimum split size is set to 1 element so that this small network's calls are split as finely as they can be.
 * And a steady split epoch allocates nothing, on the training thread or the workers.
 */
class SplitStepTest {
    @TempDir
    Path dir;

    private String minBefore;
    private String splitBefore;

    @BeforeEach
    void splitEverything() {
        minBefore = System.getProperty(SplitKernels.MIN_PROPERTY);
        splitBefore = System.getProperty(SplitKernels.SPLIT_PROPERTY);
        System.setProperty(SplitKernels.MIN_PROPERTY, "1");
    }

    @AfterEach
    void restore() {
        restore(SplitKernels.MIN_PROPERTY, minBefore);
        restore(SplitKernels.SPLIT_PROPERTY, splitBefore);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static Model.Builder network() {
        return Model.builder(LearnableData.FEATURES).dense(48, Activation.RELU).dropout(0.8).batchNorm()
                .dense(24, Activation.TANH).dense(16, Activation.SIGMOID).output(4, Loss.SOFTMAX_CROSS_ENTROPY)
                .init(Init.HE).l2(0.01).seed(11);
    }

    @Test
    void any_step_thread_count_gives_the_same_history_and_weights_bit_for_bit() throws IOException {
        LearnableData.write(dir, 600, 50, 4, false);
        Run one = train(1, true);
        Run two = train(2, true);
        Run three = train(3, true);
        // Parameters in a confined arena belong to the training thread: the step stays there, with the same result.
        Run confined = train(2, false);
        System.setProperty(SplitKernels.SPLIT_PROPERTY, "false");
        Run off = train(2, true);
        for (Run run : List.of(two, three, confined, off)) {
            assertArrayEquals(one.figures, run.figures, 0.0, run.name);
            assertTrue(Arrays.equals(one.weights, run.weights), run.name + ": weights differ from one thread's");
        }
        assertTrue(one.figures[0] > one.figures[one.figures.length - 5], "the loss fell: " + Arrays.toString(one.figures));
    }

    @Test
    void step_threads_below_one_are_refused() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 50, 10, 4, false));
             Arena arena = Arena.ofConfined(); Model model = network().build(arena);
             Optimizer adam = Optimizer.adam(1e-3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder(model, adam, data.train()).stepThreads(0));
            assertTrue(e.getMessage().contains("step threads must be 1 to 1024, got 0"), e.getMessage());
        }
    }

    @Test
    void a_split_training_epoch_allocates_nothing_on_any_step_thread() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        long[] fewest = {Long.MAX_VALUE};
        long[] start = new long[2];
        long[] worker = {-1};
        Trainer[] running = new Trainer[1];
        int epochs = Integer.getInteger("test.epochs", 5_000);
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 800, 10, 9, false));
             Arena arena = Arena.ofShared();
             Model model = network().build(arena);
             Optimizer adam = Optimizer.adam(1e-3);
             Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(16).epochs(epochs).stepThreads(2)
                     .schedule(LearningRateSchedule.exponential(1e-3, 0.9999).perStep())
                     .listener(new TrainingListener() {
                         @Override
                         public void batchFinished(int epoch, long batch, long batches, double loss, double rate) {
                             if (batch == 1 && worker[0] < 0) {
                                 worker[0] = stepWorker();
                             } else if (batch == 2) {
                                 start[1] = threads.getThreadAllocatedBytes(worker[0]);
                                 start[0] = threads.getThreadAllocatedBytes(self);
                             } else if (batch == batches) {
                                 long mine = threads.getThreadAllocatedBytes(self) - start[0];
                                 long theirs = threads.getThreadAllocatedBytes(worker[0]) - start[1];
                                 fewest[0] = Math.min(fewest[0], mine + theirs);
                                 if (fewest[0] == 0) {
                                     running[0].requestStop();
                                 }
                             }
                         }
                     }).build()) {
            running[0] = trainer;
            trainer.run();
        }
        assertTrue(worker[0] >= 0, "no gatun-step-1 thread while training with 2 step threads");
        assertEquals(0, fewest[0], "fewest bytes allocated by the training thread and gatun-step-1 in the steps of one"
                + " epoch, in any of " + epochs + " epochs, once the JIT has compiled the kernels");
        assertEquals(-1, stepWorker(), "the run stopped its workers");
    }

    private static long stepWorker() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("gatun-step-1")) {
                return t.threadId();
            }
        }
        return -1;
    }

    private record Run(String name, double[] figures, float[] weights) {}

    private Run train(int stepThreads, boolean shared) throws IOException {
        try (MnistDirectory data = LearnableData.load(dir);
             Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer adam = Optimizer.adam(5e-3)) {
            DataSet.Split split = data.train().split(50, 1);
            try (Trainer trainer = Trainer.builder(model, adam, split.train()).dev(split.dev()).batchSize(100)
                    .epochs(3).seed(5).stepThreads(stepThreads).build()) {
                TrainingResult result = trainer.run();
                String name = stepThreads + " step threads, split " + SplitKernels.enabled() + ", "
                        + (shared ? "shared" : "confined") + " parameters";
                return new Run(name, RunFigures.history(result), RunFigures.weights(model));
            }
        }
    }
}

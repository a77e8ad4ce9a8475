package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.Table;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** A trainer built on one thread and run on another, closed while it runs, and models trained again and again. */
class TrainerLifecycleTest {
    /** Early stopping's snapshot lived in an arena confined to the building thread: run() elsewhere failed in epoch 1. */
    @Test
    void aTrainerBuiltOnOneThreadRunsOnAnother() throws Exception {
        try (Table table = LearnableData.oneHotRows(64, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Optimizer adam = Optimizer.adam(0.01);
             Trainer trainer = Trainer.builder(model, adam, table.dataSet()).dev(table.dataSet()).earlyStopping(3)
                     .batchSize(16).epochs(4).build()) {
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                TrainingResult result = other.submit(trainer::run).get();
                assertEquals(4, result.history().size());
            } finally {
                other.shutdown();
            }
        }
    }

    /** close() twice is harmless, as for Predictor and Table; run() after close() refuses at once, not in epoch 1. */
    @Test
    void closeIsIdempotentAndRunAfterCloseIsRefused() {
        try (Table table = LearnableData.oneHotRows(64, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Optimizer adam = Optimizer.adam(0.01)) {
            Trainer trainer = Trainer.builder(model, adam, table.dataSet()).dev(table.dataSet()).earlyStopping(3)
                    .batchSize(16).epochs(2).build();
            trainer.close();
            assertDoesNotThrow(trainer::close);
            IllegalStateException e = assertThrows(IllegalStateException.class, trainer::run);
            assertEquals("the trainer is closed", e.getMessage());
        }
    }

    /**
     * An optimizer closed while its trainer runs fails the run saying so. Closed by another thread in the middle of a
     * step, its state's memory failed with the JDK's bare "Already closed"; here it is closed between two batches (a
     * listener runs on the training thread), which is deterministic and takes the same path out of run().
     */
    @Test
    void anOptimizerClosedUnderARunningTrainerFailsTheRunSayingSo() {
        try (Table table = LearnableData.oneHotRows(64, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Optimizer adam = Optimizer.adam(0.01);
             Trainer trainer = Trainer.builder(model, adam, table.dataSet()).batchSize(16).epochs(2).warmUp(false)
                     .listener(new TrainingListener() {
                         @Override
                         public void batchFinished(int epoch, long batch, long batches, double loss, double rate) {
                             adam.close();
                         }
                     }).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, trainer::run);
            assertTrue(e.getMessage().startsWith("the optimizer was closed while the trainer ran; close it after run()"
                    + " returns ("), e.getMessage());
            assertTrue(adam.isClosed());
        }
    }

    /** close() from another thread while run() goes on refuses, instead of closing the best weights under the run. */
    @Test
    void closingARunningTrainerIsRefusedAndTheRunEndsWell() throws Exception {
        try (Table table = LearnableData.oneHotRows(256, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Optimizer adam = Optimizer.adam(0.01)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch refused = new CountDownLatch(1);
            Trainer trainer = Trainer.builder(model, adam, table.dataSet()).dev(table.dataSet()).earlyStopping(50)
                    .batchSize(16).epochs(1000).listener(new TrainingListener() {
                        @Override
                        public void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {
                            started.countDown();
                            try {
                                refused.await();   // the run stays inside an epoch until close() has been tried
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).build();
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                Future<TrainingResult> run = other.submit(trainer::run);
                started.await();
                IllegalStateException e = assertThrows(IllegalStateException.class, trainer::close);
                assertTrue(e.getMessage().contains("requestStop()"), e.getMessage());
                trainer.requestStop();
                refused.countDown();
                assertEquals(TrainingResult.Outcome.STOPPED, run.get().outcome());
                trainer.close();
            } finally {
                other.shutdown();
            }
        }
    }

    /**
     * The BLAS thread count is process-wide. A trainer started while another ran (its step at 1 thread, one per
     * replica) took that 1 for its caller's count and, ending last, left the whole process at 1 thread.
     */
    @Test
    void twoTrainersAtOnceLeaveTheCallersBlasThreads() throws Exception {
        int before = dev.gatun.blas.Blas.threads();
        dev.gatun.blas.Blas.setThreads(2);
        try (Table table = LearnableData.oneHotRows(256, 8); Arena arena = Arena.ofShared();
             Model a = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena);
             Model b = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena);
             Optimizer adamA = Optimizer.adam(0.01); Optimizer adamB = Optimizer.adam(0.01)) {
            CountDownLatch bStarted = new CountDownLatch(1);
            CountDownLatch aDone = new CountDownLatch(1);
            Trainer first = Trainer.builder(a, adamA, table.dataSet()).batchSize(128).stepThreads(2).epochs(1)
                    .listener(new TrainingListener() {
                        @Override
                        public void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {
                            await(bStarted);   // the second starts while this one steps at one thread per replica
                        }
                    }).build();
            Trainer second = Trainer.builder(b, adamB, table.dataSet()).batchSize(128).stepThreads(2).epochs(2)
                    .listener(new TrainingListener() {
                        @Override
                        public void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {
                            bStarted.countDown();
                            await(aDone);      // and ends after it
                        }
                    }).build();
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<TrainingResult> runA = threads.submit(() -> {
                    try {
                        return first.run();
                    } finally {
                        aDone.countDown();
                    }
                });
                Future<TrainingResult> runB = threads.submit(second::run);
                assertEquals(1, runA.get().history().size());
                assertEquals(2, runB.get().history().size());
                assertEquals(2, dev.gatun.blas.Blas.threads(), "the process's BLAS threads after both trainers");
            } finally {
                threads.shutdown();
                first.close();
                second.close();
            }
        } finally {
            dev.gatun.blas.Blas.setThreads(before);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

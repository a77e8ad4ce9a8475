package dev.gatun.train;

import dev.gatun.data.Augmentation;
import dev.gatun.data.BatchOptions;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.DecoratedModels;
import dev.gatun.nn.ForwardingLayer;
import dev.gatun.nn.Layer;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Init;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    Path dir;

    private static Model.Builder network() {
        return Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU).output(LearnableData.CLASSES,
                Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(3);
    }

    @Test
    void learns_the_task_and_keeps_a_history_of_every_epoch() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 600, 200, 1, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer adam = Optimizer.adam(1e-2)) {
            DataSet.Split split = data.train().split(100, 5);
            List<Integer> finished = new ArrayList<>();
            try (Trainer trainer = Trainer.builder(model, adam, split.train()).dev(split.dev()).batchSize(32).epochs(4)
                    .seed(9).schedule(LearningRateSchedule.inverseTime(1e-2, 0.5).perEpoch())
                    .listener(new TrainingListener() {
                        @Override
                        public void epochFinished(EpochStats stats) {
                            finished.add(stats.epoch());
                        }
                    }).build()) {
                TrainingResult result = trainer.run();
                assertEquals(TrainingResult.Outcome.COMPLETED, result.outcome());
                assertEquals(List.of(1, 2, 3, 4), finished);
                assertEquals(4 * 16, result.steps(), "500 samples in batches of 32 = 16 steps per epoch");
                List<EpochStats> epochs = result.history().epochs();
                assertEquals(4, epochs.size());
                for (EpochStats e : epochs) {
                    assertEquals(1e-2 / (1 + 0.5 * e.epoch()), e.learningRate(), 1e-15, "inverse-time decay per epoch");
                    assertTrue(e.samplesPerSecond() > 0 && e.seconds() > 0, e.toString());
                }
                assertTrue(epochs.getLast().trainLoss() < epochs.getFirst().trainLoss(), epochs.toString());
                assertTrue(epochs.getLast().devAccuracy() >= 0.97, epochs.toString());
                assertTrue(epochs.getLast().trainAccuracy() >= 0.97, epochs.toString());
                // The dev figures are the model's at the end of the run, measured independently.
                Evaluation dev;
                try (Evaluator evaluator = new Evaluator(split.dev(), Normalization.scaleToUnit(64), 7)) {
                    dev = evaluator.evaluate(model);
                }
                assertEquals(epochs.getLast().devAccuracy(), dev.accuracy(), 0.0);
                assertEquals(epochs.getLast().devLoss(), dev.loss(), 1e-6);
            }
        }
    }

    @Test
    void without_a_dev_set_dev_figures_are_nan_and_sgd_with_batch_one_works() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 60, 10, 2, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer sgd = Optimizer.sgd(0.05);
             Trainer trainer = Trainer.builder(model, sgd, data.train()).batchSize(1).epochs(2).build()) {
            TrainingResult result = trainer.run();
            assertEquals(120, result.steps());
            assertTrue(Double.isNaN(result.history().last().devLoss()));
            assertThrows(IllegalStateException.class, trainer::run);
        }
    }

    @Test
    void a_stop_asked_for_at_the_end_of_an_epoch_takes_no_step_of_the_next() throws IOException {
        Trainer[] running = new Trainer[1];
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 60, 10, 2, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer sgd = Optimizer.sgd(0.05);
             Trainer trainer = Trainer.builder(model, sgd, data.train()).batchSize(20).epochs(3)
                     .listener(new TrainingListener() {
                         @Override
                         public void epochFinished(EpochStats stats) {
                             running[0].requestStop();
                         }
                     }).build()) {
            running[0] = trainer;
            TrainingResult result = trainer.run();
            assertEquals(TrainingResult.Outcome.STOPPED, result.outcome());
            assertEquals(1, result.history().epochs().size());
            assertEquals(3, result.steps(), "the 3 steps of epoch 1 and none of epoch 2");
            assertEquals(3, sgd.stepCount());
        }
    }

    @Test
    void same_seeds_give_a_bitwise_identical_history_and_weights() throws IOException {
        LearnableData.write(dir, 300, 50, 4, false);
        List<double[]> runs = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (MnistDirectory data = LearnableData.load(dir);
                 Arena arena = Arena.ofConfined();
                 Model model = Model.builder(LearnableData.FEATURES).dense(16, Activation.RELU).dropout(0.8).batchNorm()
                         .dense(8, Activation.TANH).output(4, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l2(0.01).seed(11)
                         .build(arena);
                 Optimizer adam = Optimizer.adam(5e-3)) {
                DataSet.Split split = data.train().split(50, 1);
                try (Trainer trainer = Trainer.builder(model, adam, split.train()).dev(split.dev()).batchSize(20)
                        .epochs(3).seed(5).build()) {
                    TrainingResult result = trainer.run();
                    runs.add(RunFigures.history(result));
                    weights.add(RunFigures.weights(model));
                }
            }
        }
        assertArrayEquals(runs.get(0), runs.get(1), 0.0);
        assertArrayEquals(weights.get(0), weights.get(1), 0f);
    }

    @Test
    void early_stopping_restores_the_weights_of_the_best_dev_epoch() throws IOException {
        // Random labels: the network memorises the training split and the dev loss rises, so patience runs out.
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 500, 10, 6, true));
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(LearnableData.FEATURES).dense(128, Activation.RELU).output(4,
                     Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(2).build(arena);
             Optimizer adam = Optimizer.adam(1e-2)) {
            DataSet.Split split = data.train().split(200, 3);
            try (Trainer trainer = Trainer.builder(model, adam, split.train()).dev(split.dev()).batchSize(30).epochs(60)
                    .earlyStopping(3).explosionFactor(0).build()) {
                TrainingResult result = trainer.run();
                assertEquals(TrainingResult.Outcome.EARLY_STOPPED, result.outcome(), result.history().epochs().toString());
                List<EpochStats> epochs = result.history().epochs();
                int best = result.bestEpoch();
                assertEquals(best + 3, epochs.size(), "stops after 3 epochs without improvement");
                double bestLoss = epochs.get(best - 1).devLoss();
                for (EpochStats e : epochs) {
                    assertTrue(e.devLoss() >= bestLoss, "epoch " + best + " has the lowest dev loss: " + epochs);
                }
                try (Evaluator evaluator = new Evaluator(split.dev(), Normalization.scaleToUnit(64), 1000)) {
                    assertEquals(bestLoss, evaluator.evaluate(model).loss(), 0.0, "the model holds the best epoch's weights");
                }
                // The weights went back, the step count (dropout masks' numbering) did not: 10 steps an epoch.
                assertTrue(model.step() >= (epochs.size() - 1) * 10L, "step " + model.step() + " after "
                        + epochs.size() + " epochs, the best " + best);
            }
        }
    }

    /**
     * A history resumed without early stopping's best weights: the model holds the last epoch's weights, so that is
     * the best epoch the run can go back to. Counting from the history's earlier best reported epoch 2's dev loss
     * while the model kept other weights.
     */
    @Test
    void a_history_resumed_without_its_best_weights_counts_from_its_last_epoch() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 300, 10, 8, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer frozen = Optimizer.sgd(1e-300)) {   // 0 in float32: every epoch's dev loss is the model's own
            DataSet.Split split = data.train().split(100, 3);
            double own;
            try (Evaluator evaluator = new Evaluator(split.dev(), Normalization.scaleToUnit(64), 1000)) {
                own = evaluator.evaluate(model).loss();
            }
            History history = new History();
            history.add(new EpochStats(1, 1.0, 0.5, own / 2, 0.5, 0, 1, 1));
            history.add(new EpochStats(2, 1.0, 0.5, own / 4, 0.5, 0, 1, 1));   // the best, whose weights are gone
            history.add(new EpochStats(3, 1.0, 0.5, own, 0.5, 0, 1, 1));       // the model's weights
            try (Trainer trainer = Trainer.builder(model, frozen, split.train()).dev(split.dev()).batchSize(50)
                    .epochs(10).earlyStopping(2).resume(history).build()) {
                TrainingResult result = trainer.run();
                assertEquals(TrainingResult.Outcome.EARLY_STOPPED, result.outcome());
                assertEquals(3, result.bestEpoch(), "the last resumed epoch, not epoch 2 whose weights are gone");
                assertEquals(5, result.history().size(), "two epochs without improving on epoch 3");
            }
        }
    }

    /**
     * A history resumed with its best weights whose patience ran out on its last epoch (where the check does not stop
     * a run): it stops at once with the best weights, as one run of the larger epoch count would have stopped there.
     */
    @Test
    void a_resumed_run_whose_patience_ran_out_stops_at_once_with_its_best_weights() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 300, 10, 8, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Model best = network().seed(99).build(arena);
             Optimizer sgd = Optimizer.sgd(1e-2)) {
            DataSet.Split split = data.train().split(100, 3);
            History history = new History();
            history.add(new EpochStats(1, 1.0, 0.5, 0.7, 0.5, 0, 1, 1));
            history.add(new EpochStats(2, 1.0, 0.5, 0.5, 0.5, 0, 1, 1));   // the best: the weights in `best`
            history.add(new EpochStats(3, 1.0, 0.5, 0.6, 0.5, 0, 1, 1));
            history.add(new EpochStats(4, 1.0, 0.5, 0.8, 0.5, 0, 1, 1));   // patience 2 spent
            try (Trainer trainer = Trainer.builder(model, sgd, split.train()).dev(split.dev()).batchSize(50)
                    .epochs(10).earlyStopping(2).resume(history, best).build()) {
                TrainingResult result = trainer.run();
                assertEquals(TrainingResult.Outcome.EARLY_STOPPED, result.outcome());
                assertEquals(2, result.bestEpoch());
                assertEquals(4, result.history().size(), "no epoch trained");
                assertEquals(0, sgd.stepCount());
                assertArrayEquals(RunFigures.weights(best), RunFigures.weights(model), 0f, "the model holds the best epoch's weights");
            }
        }
    }

    /**
     * The explosion check compares with the run's first mini-batch loss, kept in the history through a checkpoint's
     * text form: a resumed run compares with that loss, not with its own first batch's (late in training often a
     * hundred times smaller, so that batch noise read as an explosion).
     */
    @Test
    void a_resumed_run_compares_with_the_runs_starting_loss() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 300, 10, 8, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer adam = Optimizer.adam(1e-3)) {
            History first;
            try (Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(50).epochs(1).build()) {
                first = trainer.run().history();
            }
            double start = first.startingLoss();
            assertTrue(start > 0.5 * Math.log(LearnableData.CLASSES) && start < 2 * Math.log(LearnableData.CLASSES),
                    "the first batch's loss, about ln C: " + start);
            History decoded = History.decode(first.encode());
            assertEquals(start, decoded.startingLoss(), 0.0, "kept exactly through the checkpoint's text");
            assertEquals(first.epochs(), decoded.epochs());
            // A stored starting loss far below the losses to come: the resumed run compares with it at once.
            History tiny = History.decode("start:1.0E-6;" + first.encode().substring(first.encode().indexOf(';') + 1));
            assertEquals(1e-6, tiny.startingLoss());
            double smoothed = first.smoothedLoss();
            assertTrue(smoothed > 0 && smoothed < 2 * start, "the smoothed batch loss after epoch 1: " + smoothed);
            assertEquals(smoothed, tiny.smoothedLoss(), 0.0, "kept exactly through the checkpoint's text");
            try (Trainer resumed = Trainer.builder(model, adam, data.train()).batchSize(50).epochs(3).resume(tiny).build()) {
                TrainingResult result = resumed.run();
                assertTrue(result.exploded(), "compared with the stored 1e-6: " + result.outcome());
                assertTrue(result.explosion().message().contains("the first loss 1.000e-06"), result.explosion().message());
                // The average goes on from the stored one: the first resumed batch moves it by a tenth of its loss.
                String expected = String.format(java.util.Locale.ROOT, "the smoothed loss %.4g ",
                        0.9 * smoothed + 0.1 * result.explosion().loss());
                assertTrue(result.explosion().message().contains(expected), expected + " in " + result.explosion().message());
            }
            // A history without one (a checkpoint from before it was kept) compares with its first batch, as before.
            History old = History.decode(first.encode().substring(first.encode().indexOf(';') + 1));
            assertTrue(Double.isNaN(old.startingLoss()));
            try (Trainer resumed = Trainer.builder(model, adam, data.train()).batchSize(50).epochs(2).resume(old).build()) {
                assertFalse(resumed.run().exploded());
                assertTrue(old.startingLoss() > 0, "and keeps that one from then on");
            }
        }
    }

    @Test
    void early_stopping_without_a_dev_set_and_a_zero_learning_rate_are_refused() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 100, 10, 8, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer sgd = Optimizer.sgd(1e-2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder(model, sgd, data.train()).earlyStopping(3).build());
            assertTrue(e.getMessage().contains("give a dev set"), e.getMessage());
            try (Optimizer still = Optimizer.sgd(0.0)) {
                e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(model, still, data.train()).build());
                assertTrue(e.getMessage().startsWith("the optimizer's learning rate is 0.0"), e.getMessage());
            }
        }
    }

    @Test
    void a_learning_rate_far_too_large_stops_at_once_with_a_report() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 200, 10, 7, false));
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(LearnableData.FEATURES).output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                     .seed(1).build(arena);
             Optimizer sgd = Optimizer.sgd(1000);
             Trainer trainer = Trainer.builder(model, sgd, data.train()).batchSize(10).epochs(5).build()) {
            TrainingResult result = trainer.run();
            assertTrue(result.exploded());
            Explosion e = result.explosion();
            assertEquals(1, e.epoch());
            assertTrue(e.step() >= 2 && e.step() <= 20, e.toString());
            assertEquals(1000, e.learningRate());
            assertTrue(e.message().contains("step " + e.step()) && e.message().contains("epoch 1"), e.message());
            assertTrue(result.history().isEmpty(), "no epoch finished");
        }
    }

    /**
     * An epoch's 1-row last batch in batches of 1,000 takes the batch size's penalty: divided by its own one row, its
     * cost carried (λ/2)·Σ‖W‖² (about 70 here, against 1.5 for a full batch) and the explosion check stopped a healthy
     * run. On the single-threaded step and on replicas.
     */
    @Test
    void a_short_last_batch_is_penalised_as_a_full_one() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 1001, 10, 12, false))) {
            for (int threads : new int[] {1, 2}) {
                try (Arena arena = Arena.ofShared();
                     Model model = Model.builder(LearnableData.FEATURES).dense(64, Activation.RELU)
                             .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).l2(0.5).seed(5).build(arena);
                     Optimizer adam = Optimizer.adam(1e-3);
                     Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(1000).epochs(2)
                             .stepThreads(threads).warmUp(false).build()) {
                    TrainingResult result = trainer.run();
                    assertEquals(TrainingResult.Outcome.COMPLETED, result.outcome(), threads + " threads: "
                            + (result.explosion() == null ? "" : result.explosion().message()));
                    assertEquals(4, result.steps());
                }
            }
        }
    }

    @Test
    void a_built_trainer_keeps_its_configuration_when_the_builder_changes_afterwards() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 100, 10, 9, false));
             Arena arena = Arena.ofConfined();
             Model model = network().build(arena);
             Optimizer sgd = Optimizer.sgd(0.01)) {
            Trainer.Builder builder = Trainer.builder(model, sgd, data.train()).batchSize(25).epochs(2);
            try (Trainer trainer = builder.build()) {
                builder.epochs(5).batchSize(10);
                TrainingResult result = trainer.run();
                assertEquals(2, result.history().size(), "the epochs given before build()");
                assertEquals(2 * 4, result.steps(), "100 samples in batches of 25, twice");
            }
        }
    }

    @Test
    void batch_options_given_whole_train_like_the_same_options_given_one_by_one() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 120, 10, 10, false));
             Arena arena = Arena.ofConfined();
             Model one = network().build(arena);
             Model other = network().build(arena);
             Optimizer a = Optimizer.adam(1e-2);
             Optimizer b = Optimizer.adam(1e-2)) {
            BatchOptions options = BatchOptions.of(16).withSeed(7).withDropLast(true);
            try (Trainer whole = Trainer.builder(one, a, data.train()).batches(options).epochs(2).build();
                 Trainer byOne = Trainer.builder(other, b, data.train()).batchSize(16).seed(7).dropLast(true).epochs(2)
                         .build()) {
                TrainingResult x = whole.run();
                TrainingResult y = byOne.run();
                assertEquals(2 * 7, x.steps(), "120 samples, 7 whole batches of 16 per epoch");
                assertEquals(x.steps(), y.steps());
                for (int e = 0; e < 2; e++) {
                    assertEquals(x.history().epochs().get(e).trainLoss(), y.history().epochs().get(e).trainLoss());
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> BatchOptions.of(0));
        assertThrows(NullPointerException.class, () -> BatchOptions.of(4).withAugmentation(null));
        BatchOptions shifted = BatchOptions.of(4).withAugmentation(Augmentation.flipAndShift()).withShuffle(false)
                .withPrefetch(true);
        assertEquals(new BatchOptions(4, 0, false, false, Augmentation.flipAndShift(), true), shifted);
    }

    /** A test-only layer that poisons its bias gradient with NaN at the model's step 5. */
    private static final class PoisonedBias<W> extends ForwardingLayer<W> {
        private final long[] step;

        PoisonedBias(Layer<W> inner, long[] step) {
            super(inner);
            this.step = step;
        }

        @Override public Tensor forward(W ws, Tensor in, Mode mode, long s) {
            step[0] = s;
            return inner.forward(ws, in, mode, s);
        }
        @Override public Tensor backward(W ws, Tensor in, Tensor dOut) {
            Tensor dIn = inner.backward(ws, in, dOut);
            if (step[0] == 4) {
                inner.parameters().get(1).grad().set(2, Double.NaN);
            }
            return dIn;
        }
    }

    @Test
    void a_parameter_gone_nan_is_named_with_its_step() throws IOException {
        long[] step = new long[1];
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 100, 10, 8, false));
             Arena arena = Arena.ofConfined();
             Model model = DecoratedModels.build(network(), arena,
                     l -> l.name().equals("dense1") ? new PoisonedBias<>(l, step) : l);
             Optimizer sgd = Optimizer.sgd(0.01);
             Trainer trainer = Trainer.builder(model, sgd, data.train()).batchSize(10).epochs(3).build()) {
            TrainingResult result = trainer.run();
            assertTrue(result.exploded());
            assertEquals("b1", result.explosion().tensor(), result.explosion().toString());
            assertEquals(5, result.explosion().step(), "model step 4 is the fifth optimizer step");
            assertTrue(result.explosion().reason().contains("NaN at flat index 2"), result.explosion().reason());
        }
    }

    @Test
    void a_training_epoch_allocates_nothing_between_its_first_and_last_step() throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        long[] fewest = {Long.MAX_VALUE};
        long[] start = new long[1];
        Trainer[] running = new Trainer[1];
        int epochs = Integer.getInteger("test.epochs", 5_000);
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 800, 10, 9, false));
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU).batchNorm().dropout(0.9)
                     .output(4, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l2(0.1).seed(1).build(arena);
             Optimizer adam = Optimizer.adam(1e-3);
             Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(16).epochs(epochs)
                     .schedule(LearningRateSchedule.exponential(1e-3, 0.9999).perStep())
                     .listener(new TrainingListener() {
                         @Override
                         public void batchFinished(int epoch, long batch, long batches, double loss, double rate) {
                             // Batch 1 may grow the evaluation's first-use buffers; steps 2..last must not allocate.
                             if (batch == 2) {
                                 start[0] = threads.getThreadAllocatedBytes(self);
                             } else if (batch == batches) {
                                 fewest[0] = Math.min(fewest[0], threads.getThreadAllocatedBytes(self) - start[0]);
                                if (fewest[0] == 0) {
                                    running[0].requestStop();
                                }
                             }
                         }
                     }).build()) {
            running[0] = trainer;
            // Steady state comes once C2 has compiled every kernel (its queue is slow on 2 busy cores); stop there.
            trainer.run();
        }
        assertEquals(0, fewest[0], "fewest bytes allocated by the 48 steps of one epoch (batch gather, forward, "
                + "backward, L2, Adam, schedule, explosion checks, listener) in any of " + epochs + " epochs, "
                + "once the JIT has compiled the kernels");
    }

    /** A history numbered from 100 made a resumed run's early stopping count from there: it never stopped. */
    @Test
    void a_history_numbers_its_epochs_from_one_in_order() {
        History history = new History();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> history.add(new EpochStats(100, 0.5, 0.5, 0.6, 0.5, 0.1, 1, 1)));
        assertEquals("a history numbers its epochs 1, 2, ... in order: epoch 1 comes next, got epoch 100", e.getMessage());
        history.add(new EpochStats(1, 0.5, 0.5, 0.6, 0.5, 0.1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> history.add(new EpochStats(1, 0.5, 0.5, 0.6, 0.5, 0.1, 1, 1)));
        history.add(new EpochStats(2, 0.4, 0.6, 0.5, 0.6, 0.1, 1, 1));
        assertEquals(2, history.size());
    }

    @Test
    void bad_configurations_are_refused_naming_what_is_wrong() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 50, 10, 10, false));
             Arena arena = Arena.ofConfined();
             Optimizer sgd = Optimizer.sgd(0.1)) {
            Model wrongInputs = Model.builder(10).output(4, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder(wrongInputs, sgd, data.train()).build());
            assertTrue(e.getMessage().contains("64 features") && e.getMessage().contains("takes 10"), e.getMessage());
            Model wrongClasses = Model.builder(64).output(3, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
            e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(wrongClasses, sgd, data.train()).build());
            assertTrue(e.getMessage().contains("4 classes"), e.getMessage());
            Model ok = network().build(arena);
            e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(ok, sgd, data.train()).batchSize(0).build());
            assertTrue(e.getMessage().contains("batch size"), e.getMessage());
            Model f64 = network().dtype(DType.F64).build(arena);
            e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(f64, sgd, data.train()).build());
            assertTrue(e.getMessage().contains("F64"), e.getMessage());
            for (double factor : new double[] {0.5, 1.0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                // A factor in (0, 1] called a healthy run's first uptick an explosion at step 2.
                e = assertThrows(IllegalArgumentException.class,
                        () -> Trainer.builder(ok, sgd, data.train()).explosionFactor(factor).build());
                assertTrue(e.getMessage().contains("explosion factor must be 0 (off) or finite and > 1"), e.getMessage());
            }
            try (Trainer noEarlyStopping = Trainer.builder(ok, sgd, data.train()).build()) {
                assertNull(noEarlyStopping.bestWeights());
            }
            // Integer.MAX_VALUE step threads ran out of heap sizing the pool; 100,000 would have started that many.
            for (int threads : new int[] {0, 1025, Integer.MAX_VALUE}) {
                e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(ok, sgd, data.train())
                        .stepThreads(threads));
                assertEquals("step threads must be 1 to 1024, got " + threads, e.getMessage());
            }
        }
    }
}

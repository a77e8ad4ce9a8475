package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.MnistDirectory;
import dev.gatun.nn.Init;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JIT warm-up before a first epoch: when it runs, what its small model keeps, and that it changes no result. */
@Isolated("the warm-up runs once per JVM: these tests reset and use that state")
class StepWarmUpTest {
    @TempDir
    Path dir;

    private static Model.Builder fashionLike() {
        return Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1);
    }

    @Test
    void onlyARunMuchLargerThanTheWarmUpIsWorthIt() {
        ModelSpec fashion = fashionLike().spec();
        ModelSpec xor = Model.builder(2).dense(3, Activation.TANH).output(1, Loss.BINARY_CROSS_ENTROPY).spec();
        ModelSpec small = StepWarmUp.smallLike(fashion);
        assertTrue(StepWarmUp.worthIt(fashion, small, 469, 128), "one Fashion-MNIST epoch at batch 128");
        assertTrue(StepWarmUp.worthIt(fashion, small, 2 * 59, 1024), "two at batch 1024");
        assertFalse(StepWarmUp.worthIt(fashion, small, 10, 128), "ten steps at batch 128");
        assertFalse(StepWarmUp.worthIt(xor, StepWarmUp.smallLike(xor), 10_000, 4), "XOR, 10,000 steps of 2-3-1");
    }

    @Test
    void theSmallModelKeepsEveryLayerKindTheLossAndTheOutputWidth() {
        ModelSpec spec = Model.builder(784).dense(300, Activation.LEAKY_RELU).dropout(0.8).batchNorm()
                .dense(20, Activation.TANH).output(12, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.XAVIER).seed(5).spec();
        ModelSpec small = StepWarmUp.smallLike(spec);
        assertEquals(List.of(StepWarmUp.WIDTH, StepWarmUp.WIDTH, 20, 12), small.widths());
        LayerSpec first = small.hidden().getFirst();
        assertEquals(Activation.LEAKY_RELU, first.activation());
        assertEquals(0.8, first.keepProb());
        assertTrue(first.batchNorm());
        assertEquals(Activation.TANH, small.hidden().get(1).activation());
        assertEquals(spec.loss(), small.loss());
        assertEquals(spec.init(), small.init());
    }

    /** Steps of the real model give the same bits whether a warm-up ran first or not (dropout and batch norm on). */
    @Test
    void theRealModelsStepsAreTheSameBitsAfterAWarmUp() {
        Model.Builder builder = Model.builder(40).dense(24, Activation.RELU).dropout(0.7).batchNorm()
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(11);
        try (Arena arena = Arena.ofShared();
             Model plain = builder.build(arena);
             Model warmed = builder.build(arena);
             Optimizer plainAdam = Optimizer.adam(1e-2);
             Optimizer warmedAdam = Optimizer.adam(1e-2)) {
            Tensor X = Tensor.allocate(arena, DType.F32, 16, 40);
            for (long k = 0; k < X.size(); k++) {
                X.set(k, Math.sin(k * 0.7));
            }
            int[] labels = new int[16];
            for (int r = 0; r < labels.length; r++) {
                labels[r] = (r * 7) % 10;
            }
            Targets y = Targets.labels(arena, labels);
            StepWarmUp.run(warmed, StepWarmUp.smallLike(warmed.spec()), warmedAdam, 20);
            assertEquals(0, warmedAdam.stepCount(), "the warm-up steps its own optimizer");
            for (int step = 0; step < 5; step++) {
                assertEquals(plain.computeGradients(X, y), warmed.computeGradients(X, y), 0.0, "loss at step " + step);
                plainAdam.step(plain.parameters());
                warmedAdam.step(warmed.parameters());
            }
            assertSameBits(plain.parameters(), warmed.parameters());
        }
    }

    /**
     * A trainer whose steps run on two replicas ends with the same weights and history whether the warm-up (its
     * steps through replicas, then its evaluation passes) ran before its first epoch or not.
     */
    @Test
    void aReplicatedRunIsTheSameBitsWithAndWithoutTheWarmUp() throws IOException {
        warmingUpAlways(this::trainOnTwoReplicasWithAndWithout);
    }

    private void trainOnTwoReplicasWithAndWithout() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 400, 10, 3, false));
             Arena arena = Arena.ofShared();
             Model plain = replicable().build(arena);
             Model warmed = replicable().build(arena);
             Optimizer plainAdam = Optimizer.adam(1e-3);
             Optimizer warmedAdam = Optimizer.adam(1e-3)) {
            StepWarmUp.forget();
            History plainHistory = runOnTwoReplicas(plain, plainAdam, data, false);
            History warmedHistory = runOnTwoReplicas(warmed, warmedAdam, data, true);
            assertSameBits(plain.parameters(), warmed.parameters());
            assertEquals(plainHistory.epochs().size(), warmedHistory.epochs().size());
            for (int e = 0; e < plainHistory.epochs().size(); e++) {
                EpochStats p = plainHistory.epochs().get(e);
                EpochStats w = warmedHistory.epochs().get(e);
                assertEquals(p.trainLoss(), w.trainLoss(), 0.0, "train loss, epoch " + p.epoch());
                assertEquals(p.trainAccuracy(), w.trainAccuracy(), 0.0, "train accuracy, epoch " + p.epoch());
            }
        }
    }

    private static Model.Builder replicable() {
        return Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU)
                .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).seed(5);
    }

    private static History runOnTwoReplicas(Model model, Optimizer optimizer, MnistDirectory data, boolean warmUp) {
        try (Trainer trainer = Trainer.builder(model, optimizer, data.train()).batchSize(64).epochs(2).seed(3)
                .stepThreads(2).warmUp(warmUp).build()) {
            TrainingResult result = trainer.run();
            assertEquals(2, trainer.replicaCount(), "the steps run on two replicas");
            assertEquals(warmUp, trainer.warmUpSeconds() > 0, "warmed up: " + warmUp);
            return result.history();
        }
    }

    @Test
    void everyLossAndOutputWidthWarmsUp() {
        List<Model.Builder> models = List.of(
                Model.builder(30).dense(8, Activation.SIGMOID).output(1, Loss.BINARY_CROSS_ENTROPY),
                Model.builder(30).dense(8, Activation.TANH).output(3, Loss.BINARY_CROSS_ENTROPY),
                Model.builder(30).dense(8, Activation.RELU).output(2, Loss.MSE),
                Model.builder(100).dense(60, Activation.RELU).batchNorm().output(40, Loss.SOFTMAX_CROSS_ENTROPY));
        for (Model.Builder builder : models) {
            try (Arena arena = Arena.ofShared(); Model model = builder.build(arena);
                 Optimizer momentum = Optimizer.momentum(0.1)) {
                StepWarmUp.run(model, StepWarmUp.smallLike(model.spec()), momentum, 3);
                assertEquals(0, momentum.stepCount(), model.spec().toString());
            }
        }
    }

    /**
     * The first run in a JVM warms up and says how long it took; the next one, or one told not to, not. The runs
     * here are small: {@code -Dgatun.warmUp=always} takes the size out of the decision.
     */
    @Test
    void aTrainerWarmsUpOncePerJvmWhenAllowed() throws IOException {
        warmingUpAlways(this::trainThreeTimes);
    }

    private interface Body {
        void run() throws IOException;
    }

    /** Runs {@code body} with {@code -Dgatun.warmUp=always} (small runs warm up too), then restores the property. */
    private static void warmingUpAlways(Body body) throws IOException {
        String before = System.getProperty(StepWarmUp.PROPERTY);
        System.setProperty(StepWarmUp.PROPERTY, "always");
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(StepWarmUp.PROPERTY);
            } else {
                System.setProperty(StepWarmUp.PROPERTY, before);
            }
        }
    }

    private void trainThreeTimes() throws IOException {
        try (MnistDirectory data = LearnableData.load(LearnableData.write(dir, 200, 10, 3, false));
             Arena arena = Arena.ofShared();
             Model model = Model.builder(LearnableData.FEATURES).dense(64, Activation.RELU)
                     .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena);
             Optimizer adam = Optimizer.adam(1e-3)) {
            StepWarmUp.forget();
            assertEquals(0, warmUpSeconds(Trainer.builder(model, adam, data.train()).warmUp(false)), "not allowed");
            assertTrue(warmUpSeconds(Trainer.builder(model, adam, data.train())) > 0, "the first allowed run");
            assertEquals(0, warmUpSeconds(Trainer.builder(model, adam, data.train())), "the second");
        }
    }

    private static double warmUpSeconds(Trainer.Builder builder) {
        try (Trainer trainer = builder.batchSize(8).epochs(3).seed(1).build()) {
            trainer.run();
            return trainer.warmUpSeconds();
        }
    }

    private static void assertSameBits(List<Parameter> expected, List<Parameter> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Tensor a = expected.get(i).value();
            Tensor b = actual.get(i).value();
            for (long k = 0; k < a.size(); k++) {
                assertEquals(Double.doubleToRawLongBits(a.get(k)), Double.doubleToRawLongBits(b.get(k)),
                        expected.get(i).name() + " at " + k);
            }
        }
    }
}

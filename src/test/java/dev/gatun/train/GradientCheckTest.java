package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.nn.DecoratedModels;
import dev.gatun.nn.Init;
import dev.gatun.nn.ForwardingLayer;
import dev.gatun.nn.Layer;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.nn.TestData;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The course's gradient check on every kind of network, at initialisation and again after 50 steps of plain
 * gradient descent (so backprop is checked away from small initial weights too). Batches are 16 rows labelled
 * by a random linear teacher: with something real to learn, gradients stay above float64's rounding noise
 * (about 1e−9 per component at ε = 1e−7) after training.
 */
class GradientCheckTest {
    private static final int M = 16;
    private static final int INPUTS = 5;

    /**
     * After training, the largest relative error accepted. The gradients have shrunk by then, towards the ~1e−9 rounding
     * noise of the finite differences: measured on the float64 (scalar) kernels, the identity network reaches 1.4e−7
     * with differences of at most 2.5e−9 per component, which is that noise, not a backprop error (a wrong term is
     * 1e−3 and more, GradientCheck.BUG).
     */
    private static final double AFTER_TRAINING = 3 * GradientCheck.GOOD;

    /** Checks, trains 50 steps, checks again; errors must stay at rounding level and training must lower the cost. */
    private static void checkBeforeAndAfterTraining(Model.Builder builder, Function<Arena, Object[]> data) {
        try (Arena arena = Arena.ofConfined(); Model model = builder.seed(7).dtype(DType.F64).build(arena)) {
            Object[] batch = data.apply(arena);
            Tensor X = (Tensor) batch[0];
            Targets y = (Targets) batch[1];
            GradientCheckReport before = GradientCheck.check(model, X, y);
            assertTrue(before.passed(), "at initialisation: " + before);
            assertTrue(before.relativeError() < 1e-7, "at initialisation: " + before.relativeError());
            double initialCost = model.cost(X, y, Mode.TRAIN);
            double cost = TestData.sgd(model, X, y, 0.1, 50);
            assertTrue(cost < initialCost, "50 steps of gradient descent lower the cost: " + initialCost + " -> " + cost);
            GradientCheckReport after = GradientCheck.check(model, X, y);
            assertTrue(after.relativeError() < AFTER_TRAINING, "after 50 training steps: " + after);
        }
    }

    private static Object[] teacherBatch(Arena arena, int classes) {
        Tensor X = TestData.gaussian(arena, DType.F64, 1, M, INPUTS);
        return new Object[]{X, TestData.teacherLabels(arena, 2, X, classes)};
    }

    /** Dense targets from a smooth teacher: {@code y_k = sin(Σ_j x_j·(j + k + 1)/5)}. */
    private static Object[] regressionBatch(Arena arena, int outputs) {
        Tensor X = TestData.gaussian(arena, DType.F64, 1, M, INPUTS);
        Tensor Y = Tensor.allocate(arena, DType.F64, M, outputs);
        for (int i = 0; i < M; i++) {
            for (int k = 0; k < outputs; k++) {
                double s = 0;
                for (int j = 0; j < INPUTS; j++) {
                    s += X.get(i, j) * (j + k + 1) / 5.0;
                }
                Y.set(i, k, Math.sin(s));
            }
        }
        return new Object[]{X, Targets.dense(Y)};
    }

    @Test
    void logistic_regression() {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).output(1, Loss.BINARY_CROSS_ENTROPY).init(Init.XAVIER),
                arena -> teacherBatch(arena, 2));
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void three_hidden_layers_with_each_activation_and_softmax_cross_entropy(Activation g) {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, g).dense(5, g).dense(4, g)
                .output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE), arena -> teacherBatch(arena, 3));
    }

    @Test
    void mse_regression() {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, Activation.TANH).dense(4, Activation.LEAKY_RELU)
                .output(2, Loss.MSE).init(Init.XAVIER), arena -> regressionBatch(arena, 2));
    }

    @Test
    void binary_cross_entropy_over_several_outputs() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor X = TestData.gaussian(arena, DType.F64, 1, M, INPUTS);
            Tensor Y = Tensor.allocate(arena, DType.F64, M, 3);
            for (int i = 0; i < M; i++) {
                Y.set(i, 0, X.get(i, 0) > 0 ? 1 : 0);
                Y.set(i, 1, X.get(i, 1) + X.get(i, 2) > 0 ? 1 : 0);
                Y.set(i, 2, X.get(i, 3) * X.get(i, 4) > 0 ? 1 : 0);
            }
            checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, Activation.TANH).output(3, Loss.BINARY_CROSS_ENTROPY)
                    .init(Init.XAVIER), a -> new Object[]{X, Targets.dense(Y)});
        }
    }

    @Test
    void with_l2() {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, Activation.RELU).dense(5, Activation.TANH)
                .dense(4, Activation.SIGMOID).output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l2(0.7),
                arena -> teacherBatch(arena, 3));
    }

    @Test
    void with_l1() {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, Activation.RELU).dense(5, Activation.TANH)
                .dense(4, Activation.SIGMOID).output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l1(0.7),
                arena -> teacherBatch(arena, 3));
    }

    @Test
    void with_batch_norm() {
        checkBeforeAndAfterTraining(Model.builder(INPUTS).dense(6, Activation.RELU).batchNorm().dense(5, Activation.TANH)
                .batchNorm().dense(4, Activation.SIGMOID).output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).l2(0.1),
                arena -> teacherBatch(arena, 3));
    }

    /** Over one row batch norm's outputs are all β: the check reported a bug in β that is not there. Refused. */
    @Test
    void batch_norm_over_one_row_is_refused_not_reported_as_a_bug() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(3).dense(4, Activation.RELU).batchNorm().output(2, Loss.SOFTMAX_CROSS_ENTROPY)
                     .dtype(DType.F64).seed(4).build(arena)) {
            Tensor X = Tensor.of(arena, new double[] {1, 2, 3}, 1, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientCheck.check(model, X, Targets.labels(arena, new int[] {0})));
            assertEquals("gradient checking a model with batch norm needs at least 2 rows to estimate a variance, got X"
                    + " (1, 3)", e.getMessage());
        }
    }

    @Test
    void with_dropout_the_mask_is_held_fixed_and_said_so() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(INPUTS).dense(8, Activation.RELU).dropout(0.6).dense(6, Activation.TANH).dropout(0.8)
                     .output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(3).dtype(DType.F64).build(arena)) {
            Object[] batch = teacherBatch(arena, 3);
            model.setStep(41);
            GradientCheckReport report = GradientCheck.check(model, (Tensor) batch[0], (Targets) batch[1]);
            assertTrue(report.relativeError() < 1e-7, report.toString());
            assertTrue(report.note().contains("dropout") && report.note().contains("step 41"), report.note());
        }
    }

    /** A test-only layer whose backward doubles its bias gradient: the course's "db is wrong" bug. */
    private static final class BrokenBias<W> extends ForwardingLayer<W> {
        BrokenBias(Layer<W> inner) {
            super(inner);
        }

        @Override public Tensor backward(W ws, Tensor in, Tensor dOut) {
            Tensor dIn = inner.backward(ws, in, dOut);
            Tensor db = inner.parameters().get(1).grad();
            for (long k = 0; k < db.size(); k++) {
                db.set(k, 2.0 * db.get(k));
            }
            return dIn;
        }
    }

    private static <W> Layer<W> breakBias(Layer<W> layer) {
        return layer.name().equals("dense2") ? new BrokenBias<>(layer) : layer;
    }

    @Test
    void a_wrong_db_is_flagged_above_1e_3_and_named() {
        try (Arena arena = Arena.ofConfined();
             Model model = DecoratedModels.build(Model.builder(INPUTS).dense(6, Activation.TANH).dense(5, Activation.RELU)
                     .dense(4, Activation.SIGMOID).output(3, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(7)
                     .dtype(DType.F64), arena, GradientCheckTest::breakBias)) {
            Object[] batch = teacherBatch(arena, 3);
            GradientCheckReport report = GradientCheck.check(model, (Tensor) batch[0], (Targets) batch[1]);
            assertTrue(report.relativeError() > 1e-3, "overall " + report.relativeError());
            assertEquals("b2", report.worstTensor(), report.toString());
            assertTrue(report.maxRelativeError() > 0.1, "b2 is off by a factor of 2: " + report.maxRelativeError());
            assertFalse(report.passed());
            assertEquals("bug", report.verdict());
            // NaN compares false with every threshold: it is named, not read as "look closer".
            GradientCheckReport nan = GradientCheckReport.of(Double.NaN, List.of(report.tensors().get(0),
                    new GradientCheckReport.TensorCheck("W9", "(2, 2)", Double.NaN, Double.NaN)), "");
            assertTrue(nan.verdict().startsWith("non-finite"), nan.verdict());
            assertEquals("W9", nan.worstTensor());
            assertFalse(nan.passed());
            for (GradientCheckReport.TensorCheck t : report.tensors()) {
                if (!t.name().equals("b2")) {
                    assertTrue(t.relativeError() < 1e-6, "only b2 is wrong: " + t);
                }
            }
        }
    }

    @Test
    void the_check_leaves_the_model_as_it_found_it() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(INPUTS).dense(6, Activation.RELU).batchNorm().dropout(0.7)
                     .output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).dtype(DType.F64).build(arena)) {
            Object[] batch = teacherBatch(arena, 3);
            TestData.sgd(model, (Tensor) batch[0], (Targets) batch[1], 0.1, 5);
            List<double[]> before = new ArrayList<>();
            model.parameters().forEach(p -> before.add(p.value().toDoubleArray()));
            model.state().forEach(s -> before.add(s.tensor().toDoubleArray()));
            long step = model.step();
            GradientCheckReport report = GradientCheck.check(model, (Tensor) batch[0], (Targets) batch[1]);
            assertEquals(List.of("W1", "gamma1", "beta1", "W2", "b2"), report.tensors().stream().map(GradientCheckReport.TensorCheck::name).toList());
            assertEquals("(6, 5)", report.tensors().getFirst().shape());
            List<double[]> after = new ArrayList<>();
            model.parameters().forEach(p -> after.add(p.value().toDoubleArray()));
            model.state().forEach(s -> after.add(s.tensor().toDoubleArray()));
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), 0.0, "tensor " + i + " restored bit for bit");
            }
            assertEquals(step, model.step());
        }
    }

    @Test
    void a_float32_model_is_refused_with_the_way_out() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(INPUTS).output(3, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            Object[] batch = teacherBatch(arena, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientCheck.check(model, TestData.gaussian(arena, DType.F32, 1, M, INPUTS), (Targets) batch[1]));
            assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("DType.F64"), e.getMessage());
        }
    }
}

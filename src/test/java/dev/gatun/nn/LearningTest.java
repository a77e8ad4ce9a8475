package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What learning must achieve on the course's small problems, with a plain SGD loop ({@code θ −= α·dθ}). */
class LearningTest {

    @Test
    void a_fresh_ten_class_net_starts_at_ln_10() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(784).dense(64, Activation.RELU).output(10, Loss.SOFTMAX_CROSS_ENTROPY)
                     .init(Init.RANDOM_SMALL).seed(1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 2, 500, 784);
            Targets y = TestData.labels(arena, 3, 500, 10);
            assertEquals(Math.log(10), model.cost(X, y, Mode.INFERENCE), 0.1, "initial loss of a 10-class net");
            assertEquals(Math.log(10), model.computeGradients(X, y), 0.1, "initial training loss");
        }
    }

    @Test
    void the_course_xor_network_2_3_1_learns_all_four_points() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(2).dense(3, Activation.SIGMOID).output(1, Loss.BINARY_CROSS_ENTROPY)
                     .init(Init.XAVIER).seed(7).build(arena)) {
            Tensor X = Tensor.of(arena, new float[]{0, 0, 1, 0, 0, 1, 1, 1}, 4, 2);
            Targets y = Targets.labels(arena, 0, 1, 1, 0);
            assertTrue(model.countCorrect(X, y) < 4, "XOR is not solved before training");
            double cost = TestData.sgd(model, X, y, 2.0, 3000);
            assertEquals(4, model.countCorrect(X, y), "XOR points classified correctly (cost " + cost + ")");
            assertTrue(cost < 0.1, "XOR cost after training: " + cost);
        }
    }

    @Test
    void logistic_regression_separates_a_linearly_separable_set() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(2).output(1, Loss.BINARY_CROSS_ENTROPY).init(Init.ZEROS).build(arena)) {
            SplittableRandom random = new SplittableRandom(5);
            List<float[]> points = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            while (points.size() < 200) {
                float x1 = (float) random.nextGaussian();
                float x2 = (float) random.nextGaussian();
                double margin = 2 * x1 - x2 + 0.3;
                if (Math.abs(margin) > 0.2) {
                    points.add(new float[]{x1, x2});
                    labels.add(margin > 0 ? 1 : 0);
                }
            }
            Tensor X = Tensor.allocate(arena, DType.F32, 200, 2);
            for (int i = 0; i < 200; i++) {
                X.set(i, 0, points.get(i)[0]);
                X.set(i, 1, points.get(i)[1]);
            }
            Targets y = Targets.labels(arena, labels.stream().mapToInt(Integer::intValue).toArray());
            TestData.sgd(model, X, y, 1.0, 1000);
            assertEquals(200, model.countCorrect(X, y), "every point on its side of the learned line");
            Tensor W = model.parameters().get(0).value();
            assertEquals(-0.5, W.get(1) / W.get(0), 0.1, "the learned boundary's slope matches 2·x1 − x2 + 0.3 = 0");
        }
    }

    @Test
    void mse_regression_fits_a_known_linear_function() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(3).output(1, Loss.MSE).init(Init.RANDOM_SMALL).seed(2).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 4, 200, 3);
            Tensor Y = Tensor.allocate(arena, DType.F32, 200, 1);
            for (int i = 0; i < 200; i++) {
                Y.set(i, 2 * X.get(i, 0) - 3 * X.get(i, 1) + 0.5 * X.get(i, 2) + 4);
            }
            double cost = TestData.sgd(model, X, Targets.dense(Y), 0.1, 500);
            Tensor W = model.parameters().get(0).value();
            Tensor b = model.parameters().get(1).value();
            assertEquals(2.0, W.get(0), 1e-3);
            assertEquals(-3.0, W.get(1), 1e-3);
            assertEquals(0.5, W.get(2), 1e-3);
            assertEquals(4.0, b.get(0), 1e-3);
            assertTrue(cost < 1e-6, "MSE after fitting an exact linear function: " + cost);
            Tensor prediction = model.forward(X.rowSlice(0, 1), Mode.INFERENCE);
            assertEquals(Y.get(0), prediction.get(0), 1e-3, "MSE output is the value itself");
        }
    }

    @Test
    void logits_of_plus_minus_1000_keep_cost_and_gradients_finite() {
        try (Arena arena = Arena.ofConfined();
             Model softmax = Model.builder(2).output(3, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
             Model binary = Model.builder(2).output(1, Loss.BINARY_CROSS_ENTROPY).build(arena)) {
            Tensor W = softmax.parameters().getFirst().value();
            W.copyFrom(new float[]{1000, 0, -1000, 0, 0, 0});
            Tensor X = Tensor.of(arena, new float[]{1, 0, -1, 0}, 2, 2);
            // Logits [1000, −1000, 0] and [−1000, 1000, 0]; the labels pick −1000 and 0: losses 2000 and 1000.
            double cost = softmax.computeGradients(X, Targets.labels(arena, 1, 2));
            assertEquals(1500, cost, 1e-3);
            binary.parameters().getFirst().value().copyFrom(new float[]{1000, 0});
            double bce = binary.computeGradients(X, Targets.labels(arena, 0, 0));
            assertEquals(500, bce, 1e-3, "z = 1000 against y = 0 costs 1000, z = −1000 costs 0");
            for (Model model : List.of(softmax, binary)) {
                for (Parameter p : model.parameters()) {
                    for (long k = 0; k < p.grad().size(); k++) {
                        assertTrue(Double.isFinite(p.grad().get(k)), p.name() + " gradient " + k + " = " + p.grad().get(k));
                    }
                }
            }
            // By hand: dZ = ŷ − y = [1, −1, 0] and [0, 1, −1]; dW = ½·dZᵀ·X, db = ½·Σ dZ.
            assertEquals(java.util.Arrays.toString(new float[]{0.5f, 0, -1, 0, 0.5f, 0}),
                    java.util.Arrays.toString(softmax.parameters().get(0).grad().toFloatArray()));
            assertEquals(java.util.Arrays.toString(new float[]{0.5f, 0, -0.5f}),
                    java.util.Arrays.toString(softmax.parameters().get(1).grad().toFloatArray()));
        }
    }
}

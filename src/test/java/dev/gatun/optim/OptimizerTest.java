package dev.gatun.optim;

import dev.gatun.nn.Parameter;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimizers against their update formulas (Optimizer's documentation) written out again here over plain double arrays. Tensors of 39
 * and 5 elements: the first spans whole vectors and a tail, the second is all tail.
 */
class OptimizerTest {
    private static final double ALPHA = 0.05;
    private static final double BETA1 = 0.8;
    private static final double BETA2 = 0.95;
    private static final double EPSILON = 1e-6;

    /** The course's update rules, one element at a time, in float64. */
    static final class ByHand {
        final Optimizer.Kind kind;
        final double[][] W;
        final double[][] v;
        final double[][] s;
        int t;

        ByHand(Optimizer.Kind kind, double[][] W) {
            this.kind = kind;
            this.W = new double[W.length][];
            this.v = new double[W.length][];
            this.s = new double[W.length][];
            for (int p = 0; p < W.length; p++) {
                this.W[p] = W[p].clone();
                this.v[p] = new double[W[p].length];
                this.s[p] = new double[W[p].length];
            }
        }

        void step(double[][] dW, double alpha) {
            t++;
            for (int p = 0; p < W.length; p++) {
                for (int i = 0; i < W[p].length; i++) {
                    double g = dW[p][i];
                    switch (kind) {
                        case SGD -> W[p][i] = W[p][i] - alpha * g;
                        case MOMENTUM -> {
                            v[p][i] = BETA1 * v[p][i] + (1 - BETA1) * g;
                            W[p][i] = W[p][i] - alpha * v[p][i];
                        }
                        case RMSPROP -> {
                            s[p][i] = BETA2 * s[p][i] + (1 - BETA2) * g * g;
                            W[p][i] = W[p][i] - alpha * g / (Math.sqrt(s[p][i]) + EPSILON);
                        }
                        case ADAM -> {
                            v[p][i] = BETA1 * v[p][i] + (1 - BETA1) * g;
                            s[p][i] = BETA2 * s[p][i] + (1 - BETA2) * g * g;
                            double vHat = v[p][i] / (1 - Math.pow(BETA1, t));
                            double sHat = s[p][i] / (1 - Math.pow(BETA2, t));
                            W[p][i] = W[p][i] - alpha * vHat / (Math.sqrt(sHat) + EPSILON);
                        }
                    }
                }
            }
        }
    }

    static Optimizer create(Optimizer.Kind kind) {
        return switch (kind) {
            case SGD -> Optimizer.sgd(ALPHA);
            case MOMENTUM -> Optimizer.momentum(ALPHA, BETA1);
            case RMSPROP -> Optimizer.rmsprop(ALPHA, BETA2, EPSILON);
            case ADAM -> Optimizer.adam(ALPHA, BETA1, BETA2, EPSILON);
        };
    }

    static Stream<Arguments> kindsTypesAndSteps() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            for (DType dtype : DType.values()) {
                cases.add(Arguments.of(kind, dtype, 1));
                cases.add(Arguments.of(kind, dtype, 3));
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0} {1}, {2} step(s)")
    @MethodSource("kindsTypesAndSteps")
    void matchesTheFormulasAppliedByHand(Optimizer.Kind kind, DType dtype, int steps) {
        double tolerance = dtype == DType.F64 ? 1e-12 : 1e-6;
        Random random = new Random(42 + steps);
        try (Arena arena = Arena.ofConfined(); Optimizer optimizer = create(kind)) {
            List<Parameter> params = List.of(
                    new Parameter("W1", Tensor.allocate(arena, dtype, 3, 13), Tensor.allocate(arena, dtype, 3, 13), true),
                    new Parameter("b1", Tensor.allocate(arena, dtype, 5), Tensor.allocate(arena, dtype, 5), false));
            double[][] W = {randomValues(random, 39, dtype), randomValues(random, 5, dtype)};
            load(params, W, false);
            ByHand hand = new ByHand(kind, W);
            for (int step = 1; step <= steps; step++) {
                // A fresh gradient each step, so v and s average different values and t matters.
                double[][] dW = {randomValues(random, 39, dtype), randomValues(random, 5, dtype)};
                load(params, dW, true);
                double alpha = ALPHA / step;
                optimizer.setLearningRate(alpha);
                optimizer.step(params);
                hand.step(dW, alpha);
                assertEquals(step, optimizer.stepCount());
            }
            for (int p = 0; p < params.size(); p++) {
                assertClose(hand.W[p], values(params.get(p).value()), tolerance, kind + " " + params.get(p).name());
            }
            List<Tensor> state = optimizer.state();
            int k = 0;
            for (int p = 0; p < params.size(); p++) {
                if (kind.hasV()) {
                    assertClose(hand.v[p], values(state.get(k++)), tolerance, "v of " + params.get(p).name());
                }
                if (kind.hasS()) {
                    assertClose(hand.s[p], values(state.get(k++)), tolerance, "s of " + params.get(p).name());
                }
            }
            assertEquals(k, state.size(), "state holds exactly v and/or s per parameter");
        }
    }

    @Test
    void adamFirstStepMovesEachWeightByAlphaAgainstTheGradientSign() {
        // With v̂ = dW and ŝ = dW² at t = 1 the step is α·dW/(|dW| + ε): bias correction is what makes it ≈ α.
        try (Arena arena = Arena.ofConfined(); Optimizer adam = Optimizer.adam(0.001)) {
            Tensor W = Tensor.of(arena, new double[] {1, 1, 1, 1}, 4);
            Tensor dW = Tensor.of(arena, new double[] {0.5, -2, 1e-3, -1e-4}, 4);
            adam.step(List.of(new Parameter("W", W, dW, true)));
            double[] expected = {1 - 0.001 * 0.5 / (0.5 + 1e-8), 1 + 0.001 * 2 / (2 + 1e-8),
                    1 - 0.001 * 1e-3 / (1e-3 + 1e-8), 1 + 0.001 * 1e-4 / (1e-4 + 1e-8)};
            assertClose(expected, W.toDoubleArray(), 1e-12, "W after one Adam step");
        }
    }

    @Test
    void l2GradientGivenToSgdIsTheCoursesWeightDecay() {
        // Backprop adds (λ/m)·W to dW; the optimizer must update with exactly the gradient it is given, which the
        // course writes as W − α(dW + (λ/m)W) = (1 − αλ/m)·W − α·dW ("weight decay").
        double lambda = 0.7;
        int m = 10;
        Random random = new Random(3);
        double[] W0 = randomValues(random, 39, DType.F64);
        double[] dataGradient = randomValues(random, 39, DType.F64);
        try (Arena arena = Arena.ofConfined(); Optimizer sgd = Optimizer.sgd(ALPHA)) {
            Tensor W = Tensor.of(arena, W0, 3, 13);
            Tensor dW = Tensor.allocate(arena, DType.F64, 3, 13);
            for (int i = 0; i < 39; i++) {
                dW.set(i, dataGradient[i] + lambda / m * W0[i]);
            }
            sgd.step(List.of(new Parameter("W1", W, dW, true)));
            double[] course = new double[39];
            double[] decay = new double[39];
            for (int i = 0; i < 39; i++) {
                course[i] = W0[i] - ALPHA * (dataGradient[i] + lambda / m * W0[i]);
                decay[i] = (1 - ALPHA * lambda / m) * W0[i] - ALPHA * dataGradient[i];
            }
            assertClose(course, W.toDoubleArray(), 1e-12, "W − α(dW + (λ/m)W)");
            assertClose(decay, W.toDoubleArray(), 1e-12, "(1 − αλ/m)W − α·dW");
        }
    }

    @Test
    void momentumWithBetaZeroIsSgd() {
        try (Arena arena = Arena.ofConfined(); Optimizer sgd = Optimizer.sgd(ALPHA);
             Optimizer momentum = Optimizer.momentum(ALPHA, 0)) {
            Random random = new Random(9);
            double[] W0 = randomValues(random, 39, DType.F64);
            double[] g = randomValues(random, 39, DType.F64);
            Tensor a = Tensor.of(arena, W0, 39);
            Tensor b = Tensor.of(arena, W0, 39);
            Tensor dW = Tensor.of(arena, g, 39);
            for (int step = 0; step < 3; step++) {
                sgd.step(List.of(new Parameter("W", a, dW, true)));
                momentum.step(List.of(new Parameter("W", b, dW, true)));
            }
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        }
    }

    @Test
    void exportedStateResumesExactlyWhereItStopped() {
        Random random = new Random(11);
        double[] W0 = randomValues(random, 39, DType.F32);
        double[][] grads = {randomValues(random, 39, DType.F32), randomValues(random, 39, DType.F32),
                randomValues(random, 39, DType.F32)};
        try (Arena arena = Arena.ofConfined(); Optimizer straight = Optimizer.adam(ALPHA)) {
            Tensor W = Tensor.allocate(arena, DType.F32, 3, 13);
            Tensor dW = Tensor.allocate(arena, DType.F32, 3, 13);
            List<Parameter> params = List.of(new Parameter("W1", W, dW, true));
            load(params, new double[][] {W0}, false);
            load(params, new double[][] {grads[0]}, true);
            straight.step(params);
            load(params, new double[][] {grads[1]}, true);
            straight.step(params);

            // The checkpoint: step count, state copied out, weights copied out.
            assertEquals(List.of("W1.v", "W1.s"), straight.stateNames());
            long savedStep = straight.stepCount();
            List<Tensor> saved = new ArrayList<>();
            for (Tensor t : straight.state()) {
                saved.add(Tensor.allocate(arena, t.dtype(), t.shape()).copyFrom(t));
            }
            Tensor resumedW = Tensor.allocate(arena, DType.F32, 3, 13).copyFrom(W);
            Tensor resumedGrad = Tensor.allocate(arena, DType.F32, 3, 13);
            List<Parameter> resumedParams = List.of(new Parameter("W1", resumedW, resumedGrad, true));

            load(params, new double[][] {grads[2]}, true);
            straight.step(params);
            try (Optimizer resumed = Optimizer.adam(ALPHA)) {
                resumed.restore(resumedParams, savedStep, saved);
                assertEquals(2, resumed.stepCount());
                load(resumedParams, new double[][] {grads[2]}, true);
                resumed.step(resumedParams);
                assertEquals(3, resumed.stepCount());
                assertArrayEquals(W.toFloatArray(), resumedW.toFloatArray());
                for (int k = 0; k < 2; k++) {
                    assertArrayEquals(straight.state().get(k).toFloatArray(), resumed.state().get(k).toFloatArray());
                }
            }
        }
    }

    @Test
    void restoreRejectsStateThatDoesNotFit() {
        try (Arena arena = Arena.ofConfined(); Optimizer adam = Optimizer.adam(ALPHA)) {
            List<Parameter> params = params(arena, DType.F32, 3, 4);
            Tensor good = Tensor.allocate(arena, DType.F32, 3, 4);
            Tensor wrongShape = Tensor.allocate(arena, DType.F32, 4, 3);
            Tensor wrongType = Tensor.allocate(arena, DType.F64, 3, 4);
            assertMessage(() -> adam.restore(params, 1, List.of(good)), "keeps 2 state tensors [W1.v, W1.s], got 1");
            assertMessage(() -> adam.restore(params, 1, List.of(good, wrongShape)),
                    "state tensor 1 (W1.s) must be F32 (3, 4), got F32 (4, 3)");
            assertMessage(() -> adam.restore(params, 1, List.of(wrongType, good)), "got F64 (3, 4)");
            assertMessage(() -> adam.restore(params, -1, List.of(good, good)), "step count must be from 0 to 2^53, got -1");
            assertMessage(() -> adam.restore(params, Long.MAX_VALUE, List.of(good, good)),
                    "step count must be from 0 to 2^53, got 9223372036854775807");
            assertEquals(0, adam.stepCount(), "a rejected restore leaves the counter alone");
        }
    }

    /**
     * State whose values no step could have made is refused, naming the tensor, and nothing is copied until every
     * tensor has passed: NaN, or a negative average of squares under Adam's square root, turned every weight into NaN
     * at the next step, and a tensor refused after others were copied left the state half restored.
     */
    @Test
    void restoreRefusesStateNoStepMakesAndCopiesNothingUntilAllPass() {
        try (Arena arena = Arena.ofConfined(); Optimizer adam = Optimizer.adam(ALPHA)) {
            List<Parameter> params = params(arena, DType.F32, 3, 4);
            adam.step(params);
            float[] v = adam.state().get(0).toFloatArray();
            Tensor good = Tensor.allocate(arena, DType.F32, 3, 4).fill(7);
            Tensor nan = Tensor.allocate(arena, DType.F32, 3, 4).fill(7);
            nan.set(5, Float.NaN);
            Tensor negative = Tensor.allocate(arena, DType.F32, 3, 4).fill(7);
            negative.set(2, -1);
            assertMessage(() -> adam.restore(params, 9, List.of(good, nan)),
                    "state tensor W1.s element 5 is NaN, expected a finite non-negative value");
            assertMessage(() -> adam.restore(params, 9, List.of(good, negative)),
                    "state tensor W1.s element 2 is -1.0, expected a finite non-negative value");
            assertMessage(() -> adam.restore(params, 9, List.of(nan, good)),
                    "state tensor W1.v element 5 is NaN, expected a finite value");
            adam.restore(params, 9, List.of(negative, good));   // a first moment may be negative
            adam.restore(params, 1, List.of(Tensor.of(arena, v, 3, 4), good));
            Arena gone = Arena.ofConfined();
            Tensor closed = Tensor.allocate(gone, DType.F32, 3, 4);
            gone.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> adam.restore(params, 9, List.of(good, closed)));
            assertEquals("state tensor W1.s lives in an arena that is already closed", e.getMessage());
            assertArrayEquals(v, adam.state().get(0).toFloatArray(), "W1.v was copied before W1.s was refused");
            assertEquals(1, adam.stepCount());
        }
    }

    @Test
    void sgdKeepsNoState() {
        try (Arena arena = Arena.ofConfined(); Optimizer sgd = Optimizer.sgd(ALPHA)) {
            sgd.step(params(arena, DType.F32, 2, 2));
            assertEquals(List.of(), sgd.state());
            assertEquals(List.of(), sgd.stateNames());
        }
    }

    @Test
    void badHyperparametersAreRejectedByName() {
        assertMessage(() -> Optimizer.sgd(Double.NaN), "learning rate must be finite and >= 0");
        assertMessage(() -> Optimizer.sgd(-1e-3), "got -0.001");
        assertMessage(() -> Optimizer.adam(Double.POSITIVE_INFINITY), "learning rate");
        // Finite in double, +Inf in the float32 the kernels apply it in.
        assertMessage(() -> Optimizer.sgd(1e39), "at most 3.4028235E38 (float32's largest), got 1.0E39");
        assertMessage(() -> Optimizer.momentum(0.1, 1.0), "beta1 must be in [0, 1), got 1.0");
        assertMessage(() -> Optimizer.momentum(0.1, -0.1), "beta1 must be in [0, 1)");
        assertMessage(() -> Optimizer.rmsprop(0.1, 1.5, 1e-8), "beta2 must be in [0, 1), got 1.5");
        assertMessage(() -> Optimizer.adam(0.1, Double.NaN, 0.999, 1e-8), "beta1 must be in [0, 1), got NaN");
        assertMessage(() -> Optimizer.adam(0.1, 0.9, 0.999, 0), "epsilon must be finite and > 0");
        // Positive in double, 0 in the float32 the kernels use: 0/0 made the first step NaN.
        assertMessage(() -> Optimizer.adam(0.1, 0.9, 0.999, 1e-46), "at least 1.4E-45 (float32's smallest), got 1.0E-46");
        assertMessage(() -> Optimizer.rmsprop(0.1, 0.9, 1e-300), "got 1.0E-300");
        try (Optimizer adam = Optimizer.adam(0.1)) {
            assertMessage(() -> adam.setLearningRate(Double.NaN), "learning rate");
            assertMessage(() -> adam.setLearningRate(-2), "learning rate");
            assertEquals(0.1, adam.learningRate());
            adam.setLearningRate(0);
            assertEquals(0, adam.learningRate());
        }
    }

    @Test
    void parameterListThatChangesBetweenStepsIsRejected() {
        try (Arena arena = Arena.ofConfined(); Optimizer adam = Optimizer.adam(ALPHA)) {
            adam.step(params(arena, DType.F32, 3, 4));
            assertMessage(() -> adam.step(params(arena, DType.F32, 4, 3)),
                    "parameter 0 is W1 F32 (4, 3) in this step but was W1 F32 (3, 4) when the ADAM state was allocated");
            assertMessage(() -> adam.step(params(arena, DType.F64, 3, 4)), "W1 F64 (3, 4) in this step but was W1 F32 (3, 4)");
            assertMessage(() -> adam.step(params(arena, DType.F32, 12)), "W1 F32 (12) in this step");
            List<Parameter> two = new ArrayList<>(params(arena, DType.F32, 3, 4));
            two.add(two.getFirst());
            assertMessage(() -> adam.step(two), "state was allocated for 1 parameters, this step passes 2");
            Tensor W = Tensor.allocate(arena, DType.F32, 3, 4);
            assertMessage(() -> adam.step(List.of(new Parameter("W2", W, W, true))), "parameter 0 is W2");
            assertMessage(() -> adam.step(List.of()), "non-empty parameter list");
            assertMessage(() -> adam.step(null), "non-empty parameter list");
            assertEquals(1, adam.stepCount(), "rejected steps are not counted");
            adam.step(params(arena, DType.F32, 3, 4));
            assertEquals(2, adam.stepCount(), "new tensors of the same layout are fine");
        }
    }

    /** Gradients added in the update's pass: W moves as with their sum given as the one gradient; bad ones refused. */
    @Test
    void addedGradientsCountAsSummedIntoTheParameters() {
        try (Arena arena = Arena.ofConfined(); Optimizer fused = Optimizer.adam(ALPHA);
             Optimizer plain = Optimizer.adam(ALPHA)) {
            List<Parameter> a = params(arena, DType.F32, 3, 4);
            List<Parameter> other = params(arena, DType.F32, 3, 4);
            other.getFirst().grad().fill(0.125);
            List<Parameter> b = params(arena, DType.F32, 3, 4);
            b.getFirst().grad().fill(0.375);
            for (int step = 0; step < 3; step++) {
                fused.step(a, other);
                plain.step(b);
            }
            for (long k = 0; k < 12; k++) {
                assertEquals(b.getFirst().value().get(k), a.getFirst().value().get(k), 0.0, "W[" + k + "]");
            }
            assertTrue(a.getFirst().value().get(0) < 0.5, "the weights moved");
            assertEquals(0.125, other.getFirst().grad().get(0), 0.0, "the added gradient is only read");

            assertMessage(() -> fused.step(a, List.of()), "over 1 parameters was given 0 gradients to add");
            assertMessage(() -> fused.step(a, params(arena, DType.F32, 4, 3)),
                    "gradient to add 0 (W1) is F32 (4, 3) but parameter W1 is F32 (3, 4)");
            assertMessage(() -> fused.step(a, params(arena, DType.F64, 3, 4)), "is F64 (3, 4) but parameter W1 is F32");
            assertEquals(3, fused.stepCount(), "refused steps are not counted");
            Arena gone = Arena.ofConfined();
            List<Parameter> dead = params(gone, DType.F32, 3, 4);
            gone.close();
            assertThrows(IllegalStateException.class, () -> fused.step(a, dead));
        }
    }

    @Test
    void useAfterCloseIsIllegalState() {
        try (Arena arena = Arena.ofConfined()) {
            Optimizer adam = Optimizer.adam(ALPHA);
            List<Parameter> params = params(arena, DType.F32, 3, 4);
            adam.step(params);
            List<Tensor> state = adam.state();
            adam.close();
            adam.close();
            assertThrows(IllegalStateException.class, () -> adam.step(params));
            assertThrows(IllegalStateException.class, adam::state);
            assertTrue(!state.getFirst().isAlive(), "the state dies with the optimizer");

            Optimizer sgd = Optimizer.sgd(ALPHA);
            Arena gone = Arena.ofConfined();
            List<Parameter> dead = params(gone, DType.F32, 3, 4);
            gone.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sgd.step(dead));
            assertTrue(e.getMessage().contains("W1"), e.getMessage());
            sgd.close();
        }
    }

    private static List<Parameter> params(Arena arena, DType dtype, long... shape) {
        return List.of(new Parameter("W1", Tensor.allocate(arena, dtype, shape).fill(0.5),
                Tensor.allocate(arena, dtype, shape).fill(0.25), true));
    }

    /** Random values already representable in the element type, so the hand computation starts from the same numbers. */
    private static double[] randomValues(Random random, int n, DType dtype) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double x = random.nextDouble(-1, 1);
            out[i] = dtype == DType.F32 ? (float) x : x;
        }
        return out;
    }

    private static void load(List<Parameter> params, double[][] values, boolean intoGrad) {
        for (int p = 0; p < params.size(); p++) {
            Tensor target = intoGrad ? params.get(p).grad() : params.get(p).value();
            for (int i = 0; i < values[p].length; i++) {
                target.set(i, values[p][i]);
            }
        }
    }

    private static double[] values(Tensor t) {
        double[] out = new double[(int) t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(i);
        }
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tolerance, what + ": worst difference " + worst + " at " + at + " (expected "
                + (at < 0 ? "" : expected[at]) + ", got " + (at < 0 ? "" : actual[at]) + ")");
    }

    private static void assertMessage(Runnable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }
}

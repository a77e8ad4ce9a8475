package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.List;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernels against the course's worked values and formulas, and against hostile input. */
class KernelFormulaTest {

    private static MemorySegment labels(Arena arena, int... values) {
        MemorySegment s = arena.allocate((long) values.length * Integer.BYTES);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT, 0, values.length);
        return s;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void softmax_of_the_course_example(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.allocate(arena, dtype, 1, 4);
            double[] z = {5, 2, -1, 3};
            for (int j = 0; j < 4; j++) {
                Z.set(j, z[j]);
            }
            Tensor P = Tensor.allocate(arena, dtype, 1, 4);
            SoftmaxKernels.softmax(Z, P);
            double[] expected = {0.842, 0.042, 0.002, 0.114};
            for (int j = 0; j < 4; j++) {
                assertEquals(expected[j], P.get(j), 5e-4, "softmax([5, 2, -1, 3])[" + j + "]");
            }
            // The course: Σ e^z ≈ 176.3, so ŷ₀ = e⁵/176.3.
            assertEquals(Math.exp(5) / 176.3, P.get(0), 1e-3);
        }
    }

    @Test
    void sigmoid_and_tanh_derivatives_are_the_course_formulas_and_finite_differences() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 41;
            Tensor Z = Tensor.allocate(arena, DType.F64, n);
            for (int i = 0; i < n; i++) {
                Z.set(i, -6.01 + 0.3 * i); // never exactly 0: ReLU's kink has no two-sided derivative
            }
            double h = 1e-5;
            for (Activation g : Activation.values()) {
                Tensor A = Tensor.allocate(arena, DType.F64, n);
                Tensor dZ = Tensor.allocate(arena, DType.F64, n);
                Tensor ones = Tensor.allocate(arena, DType.F64, n).fill(1.0);
                ActivationKernels.activate(g, Z, A);
                ActivationKernels.activationBackward(g, ones, A, dZ);
                for (int i = 0; i < n; i++) {
                    double z = Z.get(i);
                    double numeric = (g.apply(z + h) - g.apply(z - h)) / (2 * h);
                    double formula = switch (g) {
                        case SIGMOID -> sigma(z) * (1 - sigma(z));
                        case TANH -> 1 - Math.tanh(z) * Math.tanh(z);
                        case RELU -> z > 0 ? 1 : 0;
                        case LEAKY_RELU -> z > 0 ? 1 : 0.01;
                        case IDENTITY -> 1;
                    };
                    assertEquals(formula, dZ.get(i), 1e-12, g + "'(" + z + ") from the kernel");
                    assertEquals(numeric, dZ.get(i), 1e-8, g + "'(" + z + ") against a central difference");
                }
            }
        }
    }

    private static double sigma(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** The scalar twin and the Vector API kernel agree on diverged pre-activations: ReLU is 0·z below 0, NaN stays NaN. */
    @Test
    void relu_keeps_nan_in_both_kernels() {
        try (Arena arena = Arena.ofConfined()) {
            for (KernelProvider provider : List.of(KernelProvider.scalar(), KernelProvider.vector())) {
                Tensor Z = Tensor.of(arena, new float[]{Float.NaN, -1, 2, Float.NEGATIVE_INFINITY}, 1, 4);
                Tensor b = Tensor.of(arena, new float[]{0, 0, 0, 0}, 4);
                Tensor A = Tensor.allocate(arena, DType.F32, 1, 4);
                provider.activations().biasActivation(Activation.RELU, Z, b, A, 0, 1);
                assertTrue(Float.isNaN((float) A.get(0)), provider + ": " + A.get(0));
                assertEquals(0.0, A.get(1), 0.0, provider.toString());   // −0.0 from both
                assertEquals(2.0, A.get(2), provider.toString());
                assertTrue(Float.isNaN((float) A.get(3)), provider + ": 0·(−∞) is " + A.get(3));
            }
        }
    }

    @Test
    void activation_values_at_known_points() {
        assertAll(
                () -> assertEquals(0.5, Activation.SIGMOID.apply(0)),
                () -> assertEquals(0.7615941559557649, Activation.TANH.apply(1), 1e-15),
                () -> assertEquals(0.0, Activation.RELU.apply(-2), 0.0),
                () -> assertTrue(Double.isNaN(Activation.RELU.apply(Double.NEGATIVE_INFINITY)), "0·(−∞), as the vector kernel"),
                () -> assertTrue(Double.isNaN(Activation.RELU.apply(Double.NaN)), "NaN propagates, as in the vector kernel"),
                () -> assertTrue(Double.isNaN(Activation.LEAKY_RELU.apply(Double.NaN))),
                () -> assertEquals(3.0, Activation.RELU.apply(3)),
                () -> assertEquals(-0.02, Activation.LEAKY_RELU.apply(-2), 1e-15),
                () -> assertEquals(-2.0, Activation.IDENTITY.apply(-2)));
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.of(arena, new float[]{0, 1, -2, 3}, 1, 4);
            Tensor b = Tensor.of(arena, new float[]{0, 0, 0, -1}, 4);
            Tensor A = Tensor.allocate(arena, DType.F32, 1, 4);
            ActivationKernels.biasActivation(Activation.TANH, Z, b, A);
            assertEquals(Math.tanh(2), A.get(3), 1e-6, "tanh(3 + (-1))");
            assertEquals(0.7615942, A.get(1), 1e-6);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void logits_of_plus_minus_1000_give_finite_losses_and_gradients(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.allocate(arena, dtype, 2, 3);
            double[] z = {1000, -1000, 0, -1000, 1000, 1000};
            for (int k = 0; k < z.length; k++) {
                Z.set(k, z[k]);
            }
            Tensor dZ = Tensor.allocate(arena, dtype, 2, 3);
            double loss = SoftmaxKernels.softmaxCrossEntropy(Z, labels(arena, 1, 0), dZ);
            // Row 0: log Σe^z − z₁ = 1000 + 1000; row 1: 1000 + log 2 + 1000.
            assertEquals(2000 + 2000 + Math.log(2), loss, 1e-3);
            for (long k = 0; k < dZ.size(); k++) {
                assertTrue(Double.isFinite(dZ.get(k)) && Math.abs(dZ.get(k)) <= 1, "dZ[" + k + "] = " + dZ.get(k));
            }
            assertEquals(-1.0, dZ.get(1, 0), 1e-6, "ŷ − y at the label whose probability is 0");
            assertEquals(0.5, dZ.get(1, 1), 1e-6);

            Tensor Y = Tensor.allocate(arena, dtype, 2, 3);
            Y.set(0, 0, 1.0);
            double bce = LossKernels.sigmoidCrossEntropy(Z, Y, dZ);
            // z = 1000, y = 1 and z = −1000, y = 0 cost 0; z = 0 costs log 2; the two z = 1000 with y = 0 cost 1000 each.
            assertEquals(2 * 1000 + Math.log(2), bce, 1e-3);
            for (long k = 0; k < dZ.size(); k++) {
                assertTrue(Double.isFinite(dZ.get(k)) && Math.abs(dZ.get(k)) <= 1, "BCE dZ[" + k + "] = " + dZ.get(k));
            }
        }
    }

    @Test
    void fused_cross_entropy_is_minus_log_softmax_at_the_label() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.of(arena, new double[]{0.5, -1.2, 2.0, 0.1, 0.3, -0.4}, 2, 3);
            Tensor P = Tensor.allocate(arena, DType.F64, 2, 3);
            SoftmaxKernels.softmax(Z, P);
            Tensor dZ = Tensor.allocate(arena, DType.F64, 2, 3);
            double loss = SoftmaxKernels.softmaxCrossEntropy(Z, labels(arena, 2, 0), dZ);
            assertEquals(-Math.log(P.get(0, 2)) - Math.log(P.get(1, 0)), loss, 1e-12);
            assertEquals(P.get(0, 2) - 1, dZ.get(0, 2), 1e-15);
            assertEquals(P.get(0, 1), dZ.get(0, 1), 1e-15);
        }
    }

    @Test
    void labels_outside_the_classes_throw_naming_label_and_row() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.allocate(arena, DType.F32, 3, 10);
            Tensor dZ = Tensor.allocate(arena, DType.F32, 3, 10);
            IllegalArgumentException high = assertThrows(IllegalArgumentException.class,
                    () -> SoftmaxKernels.softmaxCrossEntropy(Z, labels(arena, 0, 10, 3), dZ));
            assertTrue(high.getMessage().contains("label 10 at row 1 is outside [0, 10)"), high.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> SoftmaxKernels.softmaxCrossEntropy(Z, labels(arena, 0, 1, -1), dZ));
            assertTrue(negative.getMessage().contains("label -1 at row 2"), negative.getMessage());
            IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                    () -> SoftmaxKernels.softmaxCrossEntropy(Z, labels(arena, 0, 1), dZ));
            assertTrue(tooFew.getMessage().contains("2 int32 labels but the batch has 3 rows"), tooFew.getMessage());
        }
    }

    @Test
    void wrong_shapes_dtypes_overlaps_and_closed_arenas_are_clear_exceptions() {
        Arena arena = Arena.ofConfined();
        Tensor Z = Tensor.allocate(arena, DType.F32, 4, 3);
        Tensor A = Tensor.allocate(arena, DType.F32, 3, 4);
        Tensor b = Tensor.allocate(arena, DType.F32, 4);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ActivationKernels.biasActivation(Activation.RELU, Z, Tensor.allocate(arena, DType.F32, 3), A));
        assertTrue(shape.getMessage().contains("(3, 4)") && shape.getMessage().contains("(4, 3)"), shape.getMessage());
        IllegalArgumentException bias = assertThrows(IllegalArgumentException.class,
                () -> ActivationKernels.biasActivation(Activation.RELU, Z, b, Tensor.allocate(arena, DType.F32, 4, 3)));
        assertTrue(bias.getMessage().contains("b has shape (4)") && bias.getMessage().contains("3 columns"), bias.getMessage());
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxKernels.softmax(Z, Tensor.allocate(arena, DType.F64, 4, 3)));
        assertTrue(dtype.getMessage().contains("F32") && dtype.getMessage().contains("F64"), dtype.getMessage());
        Tensor big = Tensor.allocate(arena, DType.F32, 5, 3);
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> ActivationKernels.activate(Activation.TANH, big.rowSlice(0, 4), big.rowSlice(1, 5)));
        assertTrue(overlap.getMessage().contains("partly overlaps"), overlap.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DropoutKernels.forward(Z, 0.0, 1, Tensor.allocate(arena, DType.F32, 4, 3), Tensor.allocate(arena, DType.F32, 4, 3)));
        Tensor D = Tensor.allocate(arena, DType.F32, 4, 3);
        IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
                () -> DropoutKernels.forward(Z, 0.5, 1, D, D));
        assertTrue(mask.getMessage().contains("output M (4, 3) shares memory with D"), mask.getMessage());
        Tensor column = Tensor.allocate(arena, DType.F32, 3);
        IllegalArgumentException inPlace = assertThrows(IllegalArgumentException.class,
                () -> BatchNormKernels.normalize(Z, column, column, column, column, Z, Z));
        assertTrue(inPlace.getMessage().contains("output Ztilde (4, 3) shares memory with Z (4, 3)"), inPlace.getMessage());
        arena.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> ReductionKernels.sumSquares(Z));
        assertTrue(closed.getMessage().contains("already closed"), closed.getMessage());
    }

    @Test
    void dropout_keeps_the_right_fraction_scaled_and_reproducibly() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 100_000;
            double keep = 0.8;
            Tensor A = Tensor.allocate(arena, DType.F32, 100, 1000).fill(2.0);
            Tensor M = Tensor.allocate(arena, DType.F32, 100, 1000);
            Tensor D = Tensor.allocate(arena, DType.F32, 100, 1000);
            DropoutKernels.forward(A, keep, 42, M, D);
            long kept = 0;
            for (long k = 0; k < n; k++) {
                double d = D.get(k);
                assertTrue(d == 0.0 || Math.abs(d - 2.0 / keep) < 1e-6, "a kept unit is scaled by 1/keepProb, got " + d);
                kept += d == 0 ? 0 : 1;
                assertEquals(DropoutKernels.kept(42, (int) k, keep), d != 0, "element " + k);
            }
            double sd = Math.sqrt(n * keep * (1 - keep));
            assertEquals(n * keep, kept, 4 * sd, "kept fraction");

            Tensor again = Tensor.allocate(arena, DType.F32, 100, 1000);
            DropoutKernels.forward(A, keep, 42, again, Tensor.allocate(arena, DType.F32, 100, 1000));
            assertEquals(-1, M.segment().mismatch(again.segment()), "same key, same mask");
            DropoutKernels.forward(A, keep, 43, again, Tensor.allocate(arena, DType.F32, 100, 1000));
            assertNotEquals(-1, M.segment().mismatch(again.segment()), "another key, another mask");
            DropoutKernels.forward(A, 1.0, 43, again, D);
            assertEquals(-1, A.segment().mismatch(D.segment()), "keepProb 1 keeps everything unscaled");
        }
    }

    @Test
    void a_row_keyed_mask_is_the_whole_tensor_mask_of_that_row_alone() {
        try (Arena arena = Arena.ofConfined()) {
            int cols = 37;
            Tensor A = Tensor.allocate(arena, DType.F32, 5, cols).fill(3.0);
            Tensor M = Tensor.allocate(arena, DType.F32, 5, cols);
            Tensor D = Tensor.allocate(arena, DType.F32, 5, cols);
            Tensor row = Tensor.allocate(arena, DType.F32, 1, cols).fill(3.0);
            Tensor rowMask = Tensor.allocate(arena, DType.F32, 1, cols);
            Tensor rowOut = Tensor.allocate(arena, DType.F32, 1, cols);
            for (int i = 0; i < 5; i++) {
                DropoutKernels.forwardRow(A, i, 0.6, 1000 + i, M, D);
            }
            for (int i = 0; i < 5; i++) {
                DropoutKernels.forward(row, 0.6, 1000 + i, rowMask, rowOut);
                for (int j = 0; j < cols; j++) {
                    assertEquals(rowMask.get(j), M.get(i * cols + j), "row " + i + ", column " + j);
                    assertEquals(rowOut.get(j), D.get(i * cols + j), "row " + i + ", column " + j);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> DropoutKernels.forwardRow(A, 5, 0.6, 1, M, D));
        }
    }

    @Test
    void batch_norm_normalises_each_column_to_mean_0_variance_1() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = Tensor.allocate(arena, DType.F64, 50, 3);
            for (int i = 0; i < 50; i++) {
                Z.set(i, 0, 10 + Math.sin(i));
                Z.set(i, 1, -3 * Math.cos(i * 0.7));
                Z.set(i, 2, i);
            }
            Tensor mean = Tensor.allocate(arena, DType.F64, 3);
            Tensor var = Tensor.allocate(arena, DType.F64, 3);
            Tensor invStd = Tensor.allocate(arena, DType.F64, 3);
            BatchNormKernels.meanVariance(Z, mean, var);
            assertEquals(24.5, mean.get(2), 1e-12);
            assertEquals((50.0 * 50 - 1) / 12, var.get(2), 1e-9, "variance of 0..49 (biased)");
            BatchNormKernels.inverseStd(var, 1e-5, invStd);
            Tensor gamma = Tensor.allocate(arena, DType.F64, 3).fill(1.0);
            Tensor beta = Tensor.allocate(arena, DType.F64, 3);
            Tensor zhat = Tensor.allocate(arena, DType.F64, 50, 3);
            Tensor A = Tensor.allocate(arena, DType.F64, 50, 3);
            BatchNormKernels.normalize(Z, mean, invStd, gamma, beta, zhat, A);
            Tensor zMean = Tensor.allocate(arena, DType.F64, 3);
            Tensor zVar = Tensor.allocate(arena, DType.F64, 3);
            BatchNormKernels.meanVariance(zhat, zMean, zVar);
            for (int j = 0; j < 3; j++) {
                assertEquals(0, zMean.get(j), 1e-12, "mean of Ẑ column " + j);
                assertEquals(var.get(j) / (var.get(j) + 1e-5), zVar.get(j), 1e-12, "variance of Ẑ column " + j);
            }
            assertFalse(Double.isNaN(A.get(0)));
        }
    }
}

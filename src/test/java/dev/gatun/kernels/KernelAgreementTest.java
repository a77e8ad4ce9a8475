package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API provider against the scalar one (which computes in double through Tensor.get), both created
 * here whatever the JVM selected, in float32 and float64 (which the vector provider hands to the scalar code), on
 * lengths 1, 7, 15, 16, 17 (around one AVX-512 float vector), 1000 and 10⁶, on several rows, on the (100000, 10) shape of a classifier's output, and on row-slice views whose surrounding rows must stay
 * untouched. Tensors cannot be empty, so length 0 is checked on the vector bodies directly (VectorBodiesTest).
 */
class KernelAgreementTest {
    private static final KernelProvider VECTOR = KernelProvider.vector();
    private static final KernelProvider SCALAR = KernelProvider.scalar();

    static List<Fixture.Shape> shapes() {
        List<Fixture.Shape> shapes = new ArrayList<>();
        for (DType dtype : DType.values()) {
            for (long length : new long[]{1, 7, 15, 16, 17, 1000, 1_000_000}) {
                shapes.add(new Fixture.Shape(dtype, 1, length, false));
            }
            shapes.add(new Fixture.Shape(dtype, 3, 17, false));
            shapes.add(new Fixture.Shape(dtype, 5, 16, false));
            shapes.add(new Fixture.Shape(dtype, 100_000, 10, false));
            shapes.add(new Fixture.Shape(dtype, 3, 7, true));
            shapes.add(new Fixture.Shape(dtype, 3, 17, true));
            shapes.add(new Fixture.Shape(dtype, 4, 1000, true));
        }
        return shapes;
    }

    @Test
    void vectorization_is_on_in_tests() {
        assertTrue(Vectorization.enabled(), "the test JVM runs with jdk.incubator.vector: the vector bodies must be the ones tested");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void activations_forward_with_and_without_bias(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor Z = f.random(1, 3.0);
            Tensor b = f.columns(2);
            for (Activation g : Activation.values()) {
                f.agree("biasActivation " + g, false, 1, o -> VECTOR.activations().biasActivation(g, Z, b, o[0]),
                        o -> SCALAR.activations().biasActivation(g, Z, b, o[0]));
                f.agree("activate " + g, false, 1, o -> VECTOR.activations().activate(g, Z, o[0]),
                        o -> SCALAR.activations().activate(g, Z, o[0]));
            }
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void activation_backward(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor Z = f.random(3, 3.0);
            Tensor dA = f.random(4, 1.0);
            for (Activation g : Activation.values()) {
                Tensor A = f.output();
                SCALAR.activations().activate(g, Z, A);
                f.agree("activationBackward " + g, false, 1, o -> VECTOR.activations().activationBackward(g, dA, A, o[0]),
                        o -> SCALAR.activations().activationBackward(g, dA, A, o[0]));
            }
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void softmax_and_fused_cross_entropy(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor Z = f.random(5, 4.0);
            f.agree("softmax", false, 1, o -> VECTOR.softmax().softmax(Z, o[0]), o -> SCALAR.softmax().softmax(Z, o[0]));
            MemorySegment labels = f.labels(6, (int) shape.cols());
            double[] loss = new double[2];
            f.agree("softmaxCrossEntropy dZ", false, 1, o -> loss[0] = VECTOR.softmax().softmaxCrossEntropy(Z, labels, o[0]),
                    o -> loss[1] = SCALAR.softmax().softmaxCrossEntropy(Z, labels, o[0]));
            f.assertSum(loss[1], loss[0], f.size(), "softmaxCrossEntropy loss");
            f.assertFramesIntact();
        }
    }

    /**
     * Short rows take a block path shifted by the block's max: rows whose logits sit ±1000 apart must be redone
     * with their own max, in place (dZ = Z) must not read logits it has overwritten, and a NaN must spoil only
     * its own row.
     */
    @ParameterizedTest
    @EnumSource(DType.class)
    void short_rows_far_apart_in_place_and_with_nan(DType dtype) {
        try (Fixture f = new Fixture(new Fixture.Shape(dtype, 300, 10, false))) {
            Tensor Z = f.random(20, 3.0);
            for (long k = 0; k < Z.size(); k++) {
                long i = k / 10;
                Z.set(k, Z.get(k) + (i % 3 == 0 ? 1000 : i % 3 == 1 ? -1000 : 60 * (i % 7)));
            }
            MemorySegment labels = f.labels(21, 10);
            double[] loss = new double[2];
            f.agree("softmax, rows far apart", false, 1, o -> VECTOR.softmax().softmax(Z, o[0]), o -> SCALAR.softmax().softmax(Z, o[0]));
            f.agree("softmaxCrossEntropy, rows far apart", false, 1, o -> loss[0] = VECTOR.softmax().softmaxCrossEntropy(Z, labels, o[0]),
                    o -> loss[1] = SCALAR.softmax().softmaxCrossEntropy(Z, labels, o[0]));
            f.assertSum(loss[1], loss[0], f.size(), "softmaxCrossEntropy loss, rows far apart");
            f.agree("softmaxCrossEntropy in place", false, 1, o -> {
                o[0].copyFrom(Z);
                loss[0] = VECTOR.softmax().softmaxCrossEntropy(o[0], labels, o[0]);
            }, o -> {
                o[0].copyFrom(Z);
                loss[1] = SCALAR.softmax().softmaxCrossEntropy(o[0], labels, o[0]);
            });
            f.assertSum(loss[1], loss[0], f.size(), "softmaxCrossEntropy loss in place");

            Z.set(5 * 10 + 3, Double.NaN);
            Tensor P = f.output();
            VECTOR.softmax().softmax(Z, P);
            for (long k = 0; k < P.size(); k++) {
                assertEquals(k / 10 == 5, Double.isNaN(P.get(k)), "element " + k + " of softmax with a NaN in row 5: " + P.get(k));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void binary_cross_entropy_and_squared_error(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor Z = f.random(7, 5.0);
            Tensor Y = f.bits(8);
            double[] loss = new double[2];
            f.agree("sigmoidCrossEntropy dZ", false, 1, o -> loss[0] = VECTOR.losses().sigmoidCrossEntropy(Z, Y, o[0]),
                    o -> loss[1] = SCALAR.losses().sigmoidCrossEntropy(Z, Y, o[0]));
            f.assertSum(loss[1], loss[0], f.size(), "sigmoidCrossEntropy loss");
            Tensor target = f.random(9, 1.0);
            f.agree("squaredError dZ", false, 1, o -> loss[0] = VECTOR.losses().squaredError(Z, target, o[0]),
                    o -> loss[1] = SCALAR.losses().squaredError(Z, target, o[0]));
            f.assertSum(loss[1], loss[0], f.size(), "squaredError loss");
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void reductions(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor X = f.random(10, 1.0);
            f.agree("columnSums", true, 1, o -> VECTOR.reductions().columnSums(X, 0.25, o[0]),
                    o -> SCALAR.reductions().columnSums(X, 0.25, o[0]));
            f.assertSum(SCALAR.reductions().sumSquares(X), VECTOR.reductions().sumSquares(X), f.size(), "sumSquares");
            f.assertSum(SCALAR.reductions().sumAbs(X), VECTOR.reductions().sumAbs(X), f.size(), "sumAbs");
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void regularization_gradients(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor W = f.random(11, 1.0);
            W.set(0, 0.0);
            Tensor dW = f.random(12, 1.0);
            f.agree("addScaled then addScaledSign", false, 1, o -> {
                o[0].copyFrom(dW);
                VECTOR.regularization().addScaled(o[0], W, 0.3);
                VECTOR.regularization().addScaledSign(o[0], W, 0.05);
            }, o -> {
                o[0].copyFrom(dW);
                SCALAR.regularization().addScaled(o[0], W, 0.3);
                SCALAR.regularization().addScaledSign(o[0], W, 0.05);
            });
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void dropout_masks_are_bitwise_identical(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor A = f.random(13, 1.0);
            long key = 0x1234_5678_9ABC_DEF0L;
            Tensor[] vector = f.agree("dropout forward", false, 2, o -> VECTOR.dropout().forward(A, 0.8, key, o[0], o[1]),
                    o -> SCALAR.dropout().forward(A, 0.8, key, o[0], o[1]));
            Tensor scalarMask = f.output();
            SCALAR.dropout().forward(A, 0.8, key, scalarMask, f.output());
            for (long k = 0; k < A.size(); k++) {
                assertEquals(scalarMask.get(k), vector[0].get(k), "mask element " + k + " [" + shape + "]");
            }
            Tensor dD = f.random(14, 1.0);
            f.agree("dropout backward", false, 1, o -> VECTOR.dropout().backward(dD, vector[0], o[0]),
                    o -> SCALAR.dropout().backward(dD, vector[0], o[0]));
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void row_keyed_dropout_masks_are_bitwise_identical(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor A = f.random(15, 1.0);
            f.agree("dropout forwardRow", false, 2, o -> {
                for (long i = 0; i < A.rows(); i++) {
                    VECTOR.dropout().forwardRow(A, i, 0.7, 0x0F1E_2D3C_4B5A_6978L + 31 * i, o[0], o[1]);
                }
            }, o -> {
                for (long i = 0; i < A.rows(); i++) {
                    SCALAR.dropout().forwardRow(A, i, 0.7, 0x0F1E_2D3C_4B5A_6978L + 31 * i, o[0], o[1]);
                }
            });
            f.assertFramesIntact();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void batch_norm_forward_and_backward(Fixture.Shape shape) {
        try (Fixture f = new Fixture(shape)) {
            Tensor Z = f.random(15, 2.0);
            Tensor[] stats = f.agree("batch-norm mean, variance", true, 2, o -> VECTOR.batchNorm().meanVariance(Z, o[0], o[1]),
                    o -> SCALAR.batchNorm().meanVariance(Z, o[0], o[1]));
            Tensor invStd = f.columnsOutput();
            BatchNormKernels.inverseStd(stats[1], 1e-5, invStd);
            Tensor gamma = f.columns(16);
            Tensor beta = f.columns(17);
            f.agree("batch-norm forward", false, 2, o -> VECTOR.batchNorm().normalize(Z, stats[0], invStd, gamma, beta, o[0], o[1]),
                    o -> SCALAR.batchNorm().normalize(Z, stats[0], invStd, gamma, beta, o[0], o[1]));
            Tensor G = f.random(18, 1.0);
            Tensor zhat = f.random(19, 1.0);
            Tensor[] sums = f.agree("batch-norm dgamma, dbeta", true, 2, o -> VECTOR.batchNorm().backwardSums(G, zhat, o[0], o[1]),
                    o -> SCALAR.batchNorm().backwardSums(G, zhat, o[0], o[1]));
            f.agree("batch-norm dZ", false, 1, o -> VECTOR.batchNorm().backwardInput(G, zhat, gamma, invStd, sums[0], sums[1], o[0]),
                    o -> SCALAR.batchNorm().backwardInput(G, zhat, gamma, invStd, sums[0], sums[1], o[0]));
            f.assertFramesIntact();
        }
    }
}

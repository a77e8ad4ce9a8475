package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A NaN gives the same result in a vector body as in the scalar tail (whose formulas are the twins'): otherwise a
 * value's result would depend on its position in the row. 37 elements: the body, then a tail.
 */
class NaNAgreementTest {
    private static final int N = 37;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "LEAKY_RELU", "IDENTITY"})
    void piecewiseLinearBackwardTakesTheSlopeForANaNActivationEverywhere(Activation g) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor A = Tensor.allocate(arena, DType.F32, 1, N).fill(0.5);
            Tensor dA = Tensor.allocate(arena, DType.F32, 1, N).fill(2);
            Tensor dZ = Tensor.allocate(arena, DType.F32, 1, N);
            A.set(3, Double.NaN);        // in the vector body
            A.set(N - 1, Double.NaN);    // in the scalar tail
            ActivationKernels.activationBackward(g, dA, A, dZ);
            double expected = (float) (2 * g.derivativeFromOutput(Double.NaN));
            assertEquals(expected, dZ.get(3), g + " in the body");
            assertEquals(expected, dZ.get(N - 1), g + " in the tail");
            assertEquals(2.0, dZ.get(4));
        }
    }

    @Test
    void l1SignOfANaNWeightIsNaNEverywhere() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor W = Tensor.allocate(arena, DType.F32, 1, N).fill(-0.25);
            Tensor dW = Tensor.allocate(arena, DType.F32, 1, N).fill(1);
            W.set(3, Double.NaN);
            W.set(N - 1, Double.NaN);
            W.set(5, 0);
            RegularizationKernels.addScaledSign(dW, W, 0.5);
            assertEquals(Double.NaN, dW.get(3), "in the body");
            assertEquals(Double.NaN, dW.get(N - 1), "in the tail");
            assertEquals(1.0, dW.get(5), "sign(0) = 0");
            assertEquals(0.5, dW.get(4), "1 + 0.5 * sign(-0.25)");
        }
    }
}

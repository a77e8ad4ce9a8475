package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

/**
 * The regularizers' share of dW, added in place after the sgemm wrote {@code (1/m)·dZᵀ·A_prev}:
 * L2 {@code dW += (λ/m)·W}, L1 {@code dW += (λ/2m)·sign(W)} (sign(0) = 0). Their cost terms are
 * {@link ReductionKernels#sumSquares} and {@link ReductionKernels#sumAbs}.
 */
public final class RegularizationKernels {
    private static final KernelProvider.Regularization KERNELS = KernelProvider.selected().regularization();

    private RegularizationKernels() {}

    /** {@code dW += c·W}. */
    public static void addScaled(Tensor dW, Tensor W, double c) {
        check("addScaled", dW, W);
        KERNELS.addScaled(dW, W, c);
    }

    /** {@code dW += c·sign(W)}. */
    public static void addScaledSign(Tensor dW, Tensor W, double c) {
        check("addScaledSign", dW, W);
        KERNELS.addScaledSign(dW, W, c);
    }

    private static void check(String op, Tensor dW, Tensor W) {
        Check.usable(op, "W", W);
        Check.like(op, W, "W", dW, "dW");
        Check.sameOrDisjoint(op, dW, "dW", W, "W");
    }
}

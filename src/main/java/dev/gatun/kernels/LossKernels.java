package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

/**
 * Elementwise losses with their output gradient, one pass each; they return the sum over every element (the
 * caller divides by m). Binary cross-entropy works from the logits,
 * {@code L = max(z, 0) − z·y + log(1 + e^(−|z|))}, which equals {@code −(y·log σ(z) + (1−y)·log(1−σ(z)))} but never
 * takes log 0; {@code dZ = σ(z) − y}, with σ from the same {@code e^(−|z|)}. Squared error is
 * {@code L = ½(ŷ − y)²}, {@code dZ = ŷ − y}. Checked here, computed by the {@link KernelProvider#selected() selected}
 * provider.
 */
public final class LossKernels {
    private static final KernelProvider.Losses KERNELS = KernelProvider.selected().losses();

    private LossKernels() {}

    /** Σ binary cross-entropy of logits Z against targets Y; writes dZ = σ(Z) − Y. dZ may be Z. */
    public static double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ) {
        check("sigmoidCrossEntropy", Z, Y, dZ);
        return KERNELS.sigmoidCrossEntropy(Z, Y, dZ);
    }

    /** Σ ½(Yhat − Y)²; writes dZ = Yhat − Y. dZ may be Yhat. */
    public static double squaredError(Tensor Yhat, Tensor Y, Tensor dZ) {
        check("squaredError", Yhat, Y, dZ);
        return KERNELS.squaredError(Yhat, Y, dZ);
    }

    private static void check(String op, Tensor Z, Tensor Y, Tensor dZ) {
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", Y, "Y");
        Check.like(op, Z, "Z", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", Z, "Z");
        Check.sameOrDisjoint(op, dZ, "dZ", Y, "Y");
    }
}

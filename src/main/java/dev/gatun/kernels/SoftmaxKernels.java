package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Row-wise softmax, and softmax fused with cross-entropy: per row, one max, one pass that writes
 * {@code e^(z − max)} and sums it, one pass that scales it to ŷ and subtracts 1 at the label, giving
 * {@code dZ = ŷ − y} and the loss {@code log Σ e^z − z_label = max + log Σ e^(z − max) − z_label}. Shifting
 * by the row's max keeps every exponent ≤ 0, so logits of ±1000 give finite losses and gradients.
 * The arguments are checked here and each label where its row reads it ({@link Check#label}), not in a pass of
 * its own first: such a pass here made a training step allocate a boxed vector (measured: TrainerTest's allocation
 * check). The work is done by the {@link KernelProvider#selected() selected} provider; the cross-entropy is split
 * across threads when a {@link SplitKernels} is bound to the calling thread.
 */
public final class SoftmaxKernels {
    private static final KernelProvider.Softmax KERNELS = KernelProvider.selected().softmax();

    private SoftmaxKernels() {}

    /** {@code P = softmax(Z)} row by row. P may be Z. */
    public static void softmax(Tensor Z, Tensor P) {
        Check.usable("softmax", "Z", Z);
        Check.like("softmax", Z, "Z", P, "P");
        Check.sameOrDisjoint("softmax", P, "P", Z, "Z");
        KERNELS.softmax(Z, P);
    }

    /**
     * Σ over rows of {@code −log softmax(Z)[label]} (a sum: the caller divides by m) and {@code dZ = softmax(Z) − onehot}.
     * Labels are int32 class indices, one per row; one outside [0, C) throws. dZ may be Z.
     */
    public static double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
        String op = "softmaxCrossEntropy";
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", Z, "Z");
        Check.labels(op, labels, Z.rows());
        SplitKernels split = SplitKernels.current();
        return split != null ? split.softmaxCrossEntropy(Z, labels, dZ)
                : KERNELS.softmaxCrossEntropy(Z, labels, dZ, 0, Z.rows());
    }
}

package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

/**
 * Batch norm on Z, per column j over the m rows of a batch:
 * {@code μ = (1/m)Σ Z}, {@code σ² = (1/m)Σ (Z − μ)²} (two passes: the one-pass {@code E[Z²] − μ²} cancels
 * catastrophically in float32), {@code Ẑ = (Z − μ)/√(σ² + ε)}, {@code Z̃ = γ·Ẑ + β} (the layer then applies its
 * activation in place). Backward, with G the gradient at Z̃ in the course's per-sample scale:
 * {@code dβ = (1/m)Σ G}, {@code dγ = (1/m)Σ G⊙Ẑ}, {@code dZ = γ·(1/√(σ²+ε))·(G − dβ − Ẑ·dγ)}.
 * The O(n) per-column steps (inverse std, running averages) are plain loops: they are not bulk work. The bulk passes
 * are split by columns across threads when a {@link SplitKernels} is bound to the calling thread.
 */
public final class BatchNormKernels {
    private static final KernelProvider.BatchNorm KERNELS = KernelProvider.selected().batchNorm();

    private BatchNormKernels() {}

    /** Column means and biased variances of Z. */
    public static void meanVariance(Tensor Z, Tensor mean, Tensor var) {
        checkColumns("meanVariance", Z, mean, "mean", var, "var");
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.meanVariance(Z, mean, var);
        } else {
            KERNELS.meanVariance(Z, mean, var, 0, Z.cols());
        }
    }

    /** {@code invStd = 1/√(var + eps)}. */
    public static void inverseStd(Tensor var, double eps, Tensor invStd) {
        Check.usable("inverseStd", "var", var);
        Check.like("inverseStd", var, "var", invStd, "invStd");
        Check.positiveFinite("inverseStd", "eps", eps);
        for (long j = 0; j < var.size(); j++) {
            invStd.set(j, 1.0 / Math.sqrt(var.get(j) + eps));
        }
    }

    /** {@code running = momentum·running + (1 − momentum)·batch}: the exponentially weighted average used at inference. */
    public static void runningAverage(Tensor running, Tensor batch, double momentum) {
        Check.usable("runningAverage", "running", running);
        Check.like("runningAverage", running, "running", batch, "batch");
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("runningAverage: momentum must be in [0, 1), got " + momentum);
        }
        for (long j = 0; j < running.size(); j++) {
            running.set(j, momentum * running.get(j) + (1 - momentum) * batch.get(j));
        }
    }

    /** {@code Ẑ = (Z − mean)·invStd} and {@code Z̃ = γ·Ẑ + β} in one pass. Zhat may be Z; Ztilde must be apart from both. */
    public static void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde) {
        checkNormalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.normalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
        } else {
            KERNELS.normalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde, 0, Z.cols());
        }
    }

    /** {@code dβ = (1/m)Σ G} and {@code dγ = (1/m)Σ G⊙Ẑ}, per column. */
    public static void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        checkSums(G, Zhat, dgamma, dbeta);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.backwardSums(G, Zhat, dgamma, dbeta);
        } else {
            KERNELS.backwardSums(G, Zhat, dgamma, dbeta, 0, G.cols());
        }
    }

    /** {@code dZ = γ·invStd·(G − dβ − Ẑ·dγ)}, with dγ, dβ from {@link #backwardSums}. dZ may be G. */
    public static void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ) {
        checkInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.backwardInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
        } else {
            KERNELS.backwardInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ, 0, G.cols());
        }
    }

    private static void checkColumns(String op, Tensor Z, Tensor a, String aName, Tensor b, String bName) {
        Check.usable(op, "Z", Z);
        Check.perColumn(op, Z, "Z", a, aName);
        Check.perColumn(op, Z, "Z", b, bName);
    }

    private static void checkNormalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor A) {
        String op = "batchNormForward";
        checkColumns(op, Z, mean, "mean", invStd, "invStd");
        checkColumns(op, Z, gamma, "gamma", beta, "beta");
        Check.like(op, Z, "Z", Zhat, "Zhat");
        Check.like(op, Z, "Z", A, "Ztilde");
        Check.sameOrDisjoint(op, Zhat, "Zhat", Z, "Z");
        Check.apart(op, A, "Ztilde", Z, "Z");
        Check.apart(op, A, "Ztilde", Zhat, "Zhat");
    }

    private static void checkSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        String op = "batchNormBackwardSums";
        checkColumns(op, G, dgamma, "dgamma", dbeta, "dbeta");
        Check.like(op, G, "G", Zhat, "Zhat");
    }

    private static void checkInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ) {
        String op = "batchNormBackward";
        checkColumns(op, G, gamma, "gamma", invStd, "invStd");
        checkColumns(op, G, dgamma, "dgamma", dbeta, "dbeta");
        Check.like(op, G, "G", Zhat, "Zhat");
        Check.like(op, G, "G", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", G, "G");
        Check.sameOrDisjoint(op, dZ, "dZ", Zhat, "Zhat");
    }
}

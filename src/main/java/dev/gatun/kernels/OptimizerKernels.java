package dev.gatun.kernels;

import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * The fused parameter updates, each ONE pass over its segments: every element of W, dW and the optimizer state is
 * loaded once and stored once, because an update step is memory-bound and a second pass would double its cost.
 *
 * <ul>
 *   <li>SGD: {@code W −= α·dW}</li>
 *   <li>momentum: {@code v = β·v + (1−β)·dW; W −= α·v}</li>
 *   <li>RMSprop: {@code s = β₂·s + (1−β₂)·dW²; W −= α·dW/(√s + ε)}</li>
 *   <li>Adam: {@code v, s} as above, {@code v̂ = v/(1−β₁ᵗ)}, {@code ŝ = s/(1−β₂ᵗ)}, {@code W −= α·v̂/(√ŝ + ε)}, with ε
 *       outside the square root</li>
 * </ul>
 *
 * <p>Each kernel takes the element type, the segments and the element count {@code n}, checks them here, and runs on
 * the {@link KernelProvider#selected() selected} provider. Every provider gives the same bits: the scalar twin
 * rounds to the element type after each operation, which for float32 is exactly float arithmetic.
 */
public final class OptimizerKernels {
    private static final KernelProvider.Optimizer KERNELS = KernelProvider.selected().optimizer();

    private OptimizerKernels() {}

    public static void sgd(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
        checkSgd(dtype, W, dW, n, alpha);
        KERNELS.sgd(dtype, W, dW, null, 0, n, alpha);
    }

    static void checkSgd(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
        requireLearningRate(alpha);
        requireElements("sgd", dtype, n, W, "W", true);
        requireElements("sgd", dtype, n, dW, "dW", false);
    }

    public static void momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                double alpha, double beta) {
        checkMomentum(dtype, W, dW, v, n, alpha, beta);
        KERNELS.momentum(dtype, W, dW, null, v, 0, n, alpha, beta);
    }

    static void checkMomentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                      double alpha, double beta) {
        requireLearningRate(alpha);
        requireBeta("beta", beta);
        requireElements("momentum", dtype, n, W, "W", true);
        requireElements("momentum", dtype, n, dW, "dW", false);
        requireElements("momentum", dtype, n, v, "v", true);
    }

    public static void rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                               double alpha, double beta2, double epsilon) {
        checkRmsprop(dtype, W, dW, s, n, alpha, beta2, epsilon);
        KERNELS.rmsprop(dtype, W, dW, null, s, 0, n, alpha, beta2, epsilon);
    }

    static void checkRmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                                     double alpha, double beta2, double epsilon) {
        requireLearningRate(alpha);
        requireBeta("beta2", beta2);
        requireEpsilon(epsilon);
        requireElements("rmsprop", dtype, n, W, "W", true);
        requireElements("rmsprop", dtype, n, dW, "dW", false);
        requireElements("rmsprop", dtype, n, s, "s", true);
    }

    public static void adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                            long n, double alpha, double beta1, double beta2, double epsilon, long t) {
        checkAdam(dtype, W, dW, v, s, n, alpha, beta1, beta2, epsilon, t);
        KERNELS.adam(dtype, W, dW, null, v, s, 0, n, alpha, beta1, beta2, epsilon, t);
    }

    static void checkAdam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                                  long n, double alpha, double beta1, double beta2, double epsilon, long t) {
        requireLearningRate(alpha);
        requireBeta("beta1", beta1);
        requireBeta("beta2", beta2);
        requireEpsilon(epsilon);
        if (t < 1) {
            throw new IllegalArgumentException("adam: step t must be >= 1 (bias correction divides by 1 - beta^t), got "
                    + t);
        }
        requireElements("adam", dtype, n, W, "W", true);
        requireElements("adam", dtype, n, dW, "dW", false);
        requireElements("adam", dtype, n, v, "v", true);
        requireElements("adam", dtype, n, s, "s", true);
    }

    // ---------------------------------------------------------------- validation shared with dev.gatun.optim

    /** A learning rate must be finite and non-negative (0 freezes the parameters, which a schedule may reach). */
    public static double requireLearningRate(double alpha) {
        // Finite in float32 too, where the kernels apply it to float32 parameters (1e39 would be +Inf there).
        if (!(alpha >= 0) || Double.isInfinite(alpha) || Float.isInfinite((float) alpha)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, at most " + Float.MAX_VALUE
                    + " (float32's largest), got " + alpha);
        }
        return alpha;
    }

    /** An averaging coefficient β must lie in [0, 1): β = 1 would never let a gradient in (and 1−βᵗ would be 0). */
    public static double requireBeta(String name, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + beta);
        }
        return beta;
    }

    /**
     * ε keeps √s + ε away from 0 where s is still 0: it must be finite and > 0, in float32 too, where the kernels use
     * it for float32 parameters (1e−46 rounds to 0 there, and 0/0 made the first step NaN).
     */
    public static double requireEpsilon(double epsilon) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon) || !((float) epsilon > 0f)) {
            throw new IllegalArgumentException("epsilon must be finite and > 0, at least " + Float.MIN_VALUE
                    + " (float32's smallest), got " + epsilon);
        }
        return epsilon;
    }

    static void requireElements(String kernel, DType dtype, long n, MemorySegment segment, String name,
                                        boolean written) {
        if (dtype == null) {
            throw new IllegalArgumentException(kernel + ": dtype must not be null");
        }
        if (n < 0) {
            throw new IllegalArgumentException(kernel + ": element count must be >= 0, got " + n);
        }
        if (segment == null) {
            throw new IllegalArgumentException(kernel + ": " + name + " must not be null");
        }
        if (segment.byteSize() / dtype.byteSize() < n) {
            throw new IllegalArgumentException(kernel + ": " + name + " holds " + segment.byteSize() + " bytes, fewer than "
                    + n + " " + dtype + " elements need (" + n * dtype.byteSize() + ")");
        }
        if (written && segment.isReadOnly()) {
            throw new IllegalArgumentException(kernel + ": " + name + " is updated in place but its segment is read-only");
        }
    }
}

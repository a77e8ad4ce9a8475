package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.Tensor;

/**
 * Activations forward and backward. The forward is fused with the bias add ({@code A = g(Z + b)}: one read of Z,
 * one write of A, right after the layer's sgemm); the backward fuses the derivative into dZ
 * ({@code dZ = dA ⊙ g'(A)}), computed from A so Z need not be kept. Outputs may be their inputs (in place).
 * The arguments are checked here; the work is done by the {@link KernelProvider#selected() selected} provider, split
 * across threads when a {@link SplitKernels} is bound to the calling thread.
 */
public final class ActivationKernels {
    private static final KernelProvider.Activations KERNELS = KernelProvider.selected().activations();

    private ActivationKernels() {}

    /** {@code A = g(Z + b)}, b (one value per column) broadcast over the rows. */
    public static void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkForward("biasActivation", g, Z, A);
        Check.perColumn("biasActivation", Z, "Z", b, "b");
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.biasActivation(g, Z, b, A);
        } else {
            KERNELS.biasActivation(g, Z, b, A, 0, Z.rows());
        }
    }

    /** {@code A = g(Z)} elementwise. */
    public static void activate(Activation g, Tensor Z, Tensor A) {
        checkForward("activate", g, Z, A);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.activate(g, Z, A);
        } else {
            KERNELS.activate(g, Z, A, 0, Z.size());
        }
    }

    /** {@code dZ = dA ⊙ g'(Z)}, with g' taken from the layer's output {@code A = g(Z)}. dZ may be dA. */
    public static void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        String op = "activationBackward";
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "dA", dA);
        Check.like(op, dA, "dA", A, "A");
        Check.like(op, dA, "dA", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", dA, "dA");
        Check.sameOrDisjoint(op, dZ, "dZ", A, "A");
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.activationBackward(g, dA, A, dZ);
        } else {
            KERNELS.activationBackward(g, dA, A, dZ, 0, dA.size());
        }
    }

    private static void checkForward(String op, Activation g, Tensor Z, Tensor A) {
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", A, "A");
        Check.sameOrDisjoint(op, A, "A", Z, "Z");
    }
}

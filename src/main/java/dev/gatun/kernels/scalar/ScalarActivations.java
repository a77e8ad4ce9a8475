package dev.gatun.kernels.scalar;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** The activations in double through {@link Tensor#get}, with the textbook formulas of {@link Activation}. */
public final class ScalarActivations implements KernelProvider.Activations {
    ScalarActivations() {}

    @Override
    public void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        affine(g, Z, b, A);
    }

    @Override
    public void activate(Activation g, Tensor Z, Tensor A) {
        affine(g, Z, null, A);
    }

    @Override
    public void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        backward(g, dA, A, dZ, 0);
    }

    /** {@code A = g(Z + b)}, b (one value per column, optional) broadcast over the rows. */
    public static void affine(Activation g, Tensor Z, Tensor b, Tensor A) {
        long rows = b == null ? 1 : Z.rows();
        long cols = b == null ? Z.size() : Z.cols();
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                long k = i * cols + j;
                A.set(k, g.apply(Z.get(k) + (b == null ? 0.0 : b.get(j))));
            }
        }
    }

    /** {@code dZ = dA ⊙ g'(A)} from element {@code from} on: the twin, and the vector bodies' tail. */
    public static void backward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from) {
        for (long k = from; k < dA.size(); k++) {
            dZ.set(k, dA.get(k) * g.derivativeFromOutput(A.get(k)));
        }
    }
}

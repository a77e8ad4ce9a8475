package dev.gatun.kernels.scalar;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** The activations in double through {@link Tensor#get}, with the textbook formulas of {@link Activation}. */
public final class ScalarActivations implements KernelProvider.Activations {
    ScalarActivations() {}

    @Override
    public void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A, long fromRow, long toRow) {
        affine(g, Z, b, A, fromRow * Z.cols(), toRow * Z.cols());
    }

    @Override
    public void activate(Activation g, Tensor Z, Tensor A, long from, long to) {
        affine(g, Z, null, A, from, to);
    }

    @Override
    public void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from, long to) {
        backward(g, dA, A, dZ, from, to);
    }

    /** {@code A = g(Z + b)} over elements [from, to), b (one value per column, optional) broadcast over the rows. */
    public static void affine(Activation g, Tensor Z, Tensor b, Tensor A, long from, long to) {
        long cols = Z.cols();
        for (long k = from; k < to; k++) {
            A.set(k, g.apply(Z.get(k) + (b == null ? 0.0 : b.get(k % cols))));
        }
    }

    /** {@code dZ = dA ⊙ g'(A)} over elements [from, to): the twin, and the vector bodies' tail. */
    public static void backward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from, long to) {
        for (long k = from; k < to; k++) {
            dZ.set(k, dA.get(k) * g.derivativeFromOutput(A.get(k)));
        }
    }
}

package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** {@code dW += c·W} and {@code dW += c·sign(W)} in double. */
public final class ScalarRegularization implements KernelProvider.Regularization {
    ScalarRegularization() {}

    @Override
    public void addScaled(Tensor dW, Tensor W, double c) {
        add(dW, W, c, false, 0);
    }

    @Override
    public void addScaledSign(Tensor dW, Tensor W, double c) {
        add(dW, W, c, true, 0);
    }

    /** From element {@code from} on: the twin, and the vector bodies' tail. */
    public static void add(Tensor dW, Tensor W, double c, boolean sign, long from) {
        for (long k = from; k < W.size(); k++) {
            double w = W.get(k);
            dW.set(k, dW.get(k) + c * (sign ? Math.signum(w) : w));
        }
    }
}

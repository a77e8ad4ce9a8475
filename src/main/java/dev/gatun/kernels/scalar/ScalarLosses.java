package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** The elementwise losses in double, each from element {@code from} on (the vector bodies' tail). */
public final class ScalarLosses implements KernelProvider.Losses {
    ScalarLosses() {}

    @Override
    public double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ) {
        return sigmoidCrossEntropy(Z, Y, dZ, 0);
    }

    @Override
    public double squaredError(Tensor Yhat, Tensor Y, Tensor dZ) {
        return squaredError(Yhat, Y, dZ, 0);
    }

    public static double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ, long from) {
        double total = 0;
        for (long k = from; k < Z.size(); k++) {
            double z = Z.get(k);
            double y = Y.get(k);
            total += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
            dZ.set(k, 1.0 / (1.0 + Math.exp(-z)) - y);
        }
        return total;
    }

    public static double squaredError(Tensor Yhat, Tensor Y, Tensor dZ, long from) {
        double total = 0;
        for (long k = from; k < Yhat.size(); k++) {
            double d = Yhat.get(k) - Y.get(k);
            total += 0.5 * d * d;
            dZ.set(k, d);
        }
        return total;
    }
}

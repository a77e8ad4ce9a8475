package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** Column sums and the squared and absolute sums, in double. */
public final class ScalarReductions implements KernelProvider.Reductions {
    ScalarReductions() {}

    @Override
    public void columnSums(Tensor X, double scale, Tensor out, long fromCol, long toCol) {
        long cols = X.cols();
        for (long j = fromCol; j < toCol; j++) {
            double sum = 0;
            for (long i = 0; i < X.rows(); i++) {
                sum += X.get(i * cols + j);
            }
            out.set(j, scale * sum);
        }
    }

    @Override
    public double sumSquares(Tensor x) {
        return sum(x, true, 0);
    }

    @Override
    public double sumAbs(Tensor x) {
        return sum(x, false, 0);
    }

    /** Σ x² (squares) or Σ |x| from element {@code from} on: the twin, and the vector bodies' tail. */
    public static double sum(Tensor x, boolean squares, long from) {
        double sum = 0;
        for (long k = from; k < x.size(); k++) {
            double v = x.get(k);
            sum += squares ? v * v : Math.abs(v);
        }
        return sum;
    }
}

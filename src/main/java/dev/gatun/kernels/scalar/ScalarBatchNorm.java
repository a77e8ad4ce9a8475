package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/** Batch norm's bulk passes in double, column by column over columns [fromCol, toCol). */
public final class ScalarBatchNorm implements KernelProvider.BatchNorm {
    ScalarBatchNorm() {}

    @Override
    public void meanVariance(Tensor Z, Tensor mean, Tensor var, long fromCol, long toCol) {
        long m = Z.rows();
        long n = Z.cols();
        for (long j = fromCol; j < toCol; j++) {
            double sum = 0;
            for (long i = 0; i < m; i++) {
                sum += Z.get(i * n + j);
            }
            double mu = sum / m;
            double squares = 0;
            for (long i = 0; i < m; i++) {
                double d = Z.get(i * n + j) - mu;
                squares += d * d;
            }
            mean.set(j, mu);
            var.set(j, squares / m);
        }
    }

    @Override
    public void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde,
                          long fromCol, long toCol) {
        long n = Z.cols();
        for (long i = 0; i < Z.rows(); i++) {
            for (long j = fromCol; j < toCol; j++) {
                long k = i * n + j;
                double zhat = (Z.get(k) - mean.get(j)) * invStd.get(j);
                Zhat.set(k, zhat);
                Ztilde.set(k, gamma.get(j) * zhat + beta.get(j));
            }
        }
    }

    @Override
    public void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta, long fromCol, long toCol) {
        long m = G.rows();
        long n = G.cols();
        for (long j = fromCol; j < toCol; j++) {
            double sumG = 0;
            double sumGZ = 0;
            for (long i = 0; i < m; i++) {
                sumG += G.get(i * n + j);
                sumGZ += G.get(i * n + j) * Zhat.get(i * n + j);
            }
            dbeta.set(j, sumG / m);
            dgamma.set(j, sumGZ / m);
        }
    }

    @Override
    public void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ,
                              long fromCol, long toCol) {
        long n = G.cols();
        for (long i = 0; i < G.rows(); i++) {
            for (long j = fromCol; j < toCol; j++) {
                long k = i * n + j;
                dZ.set(k, gamma.get(j) * invStd.get(j) * (G.get(k) - dbeta.get(j) - Zhat.get(k) * dgamma.get(j)));
            }
        }
    }
}

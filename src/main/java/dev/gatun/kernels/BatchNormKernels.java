package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Batch norm on Z (DESIGN §3), per column j over the m rows of a batch:
 * {@code μ = (1/m)Σ Z}, {@code σ² = (1/m)Σ (Z − μ)²} (two passes: the one-pass {@code E[Z²] − μ²} cancels
 * catastrophically in float32), {@code Ẑ = (Z − μ)/√(σ² + ε)}, {@code A = g(γ·Ẑ + β)} with the layer's activation
 * fused in. Backward, with {@code G = dA ⊙ g'} the gradient at {@code γ·Ẑ + β} in the course's per-sample scale:
 * {@code dβ = (1/m)Σ G}, {@code dγ = (1/m)Σ G⊙Ẑ}, {@code dZ = γ·(1/√(σ²+ε))·(G − dβ − Ẑ·dγ)}.
 * The O(n) per-column steps (inverse std, running averages) are plain loops: they are not bulk work.
 */
public final class BatchNormKernels {
    private BatchNormKernels() {}

    /** Column means and biased variances of Z. */
    public static void meanVariance(Tensor Z, Tensor mean, Tensor var) {
        checkColumns("meanVariance", Z, mean, "mean", var, "var");
        if (!Vectorization.ENABLED) {
            scalarMeanVariance(Z, mean, var);
        } else if (Z.dtype() == DType.F32) {
            F32.meanVariance(Z.segment(), Z.rows(), Z.cols(), mean.segment(), var.segment());
        } else {
            F64.meanVariance(Z.segment(), Z.rows(), Z.cols(), mean.segment(), var.segment());
        }
    }

    public static void scalarMeanVariance(Tensor Z, Tensor mean, Tensor var) {
        checkColumns("meanVariance", Z, mean, "mean", var, "var");
        long m = Z.rows();
        long n = Z.cols();
        for (long j = 0; j < n; j++) {
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

    /** {@code Ẑ = (Z − mean)·invStd} and {@code A = g(γ·Ẑ + β)} in one pass. Zhat may be Z; A may be Zhat only if Ẑ is not needed. */
    public static void normalizeActivate(Activation g, Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                         Tensor Zhat, Tensor A) {
        checkNormalize(g, Z, mean, invStd, gamma, beta, Zhat, A);
        if (!Vectorization.ENABLED) {
            scalarNormalize(g, Z, mean, invStd, gamma, beta, Zhat, A);
        } else if (Z.dtype() == DType.F32) {
            F32.normalizeActivate(g, Z.segment(), Z.rows(), Z.cols(), mean.segment(), invStd.segment(), gamma.segment(),
                    beta.segment(), Zhat.segment(), A.segment());
        } else {
            F64.normalizeActivate(g, Z.segment(), Z.rows(), Z.cols(), mean.segment(), invStd.segment(), gamma.segment(),
                    beta.segment(), Zhat.segment(), A.segment());
        }
    }

    public static void scalarNormalizeActivate(Activation g, Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                               Tensor Zhat, Tensor A) {
        checkNormalize(g, Z, mean, invStd, gamma, beta, Zhat, A);
        scalarNormalize(g, Z, mean, invStd, gamma, beta, Zhat, A);
    }

    /** {@code dβ = (1/m)Σ G} and {@code dγ = (1/m)Σ G⊙Ẑ}, per column. */
    public static void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        checkSums(G, Zhat, dgamma, dbeta);
        if (!Vectorization.ENABLED) {
            scalarSums(G, Zhat, dgamma, dbeta);
        } else if (G.dtype() == DType.F32) {
            F32.backwardSums(G.segment(), Zhat.segment(), G.rows(), G.cols(), dgamma.segment(), dbeta.segment());
        } else {
            F64.backwardSums(G.segment(), Zhat.segment(), G.rows(), G.cols(), dgamma.segment(), dbeta.segment());
        }
    }

    public static void scalarBackwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        checkSums(G, Zhat, dgamma, dbeta);
        scalarSums(G, Zhat, dgamma, dbeta);
    }

    /** {@code dZ = γ·invStd·(G − dβ − Ẑ·dγ)}, with dγ, dβ from {@link #backwardSums}. dZ may be G. */
    public static void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ) {
        checkInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
        if (!Vectorization.ENABLED) {
            scalarInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
        } else if (G.dtype() == DType.F32) {
            F32.backwardInput(G.segment(), Zhat.segment(), G.rows(), G.cols(), gamma.segment(), invStd.segment(),
                    dgamma.segment(), dbeta.segment(), dZ.segment());
        } else {
            F64.backwardInput(G.segment(), Zhat.segment(), G.rows(), G.cols(), gamma.segment(), invStd.segment(),
                    dgamma.segment(), dbeta.segment(), dZ.segment());
        }
    }

    public static void scalarBackwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta,
                                           Tensor dZ) {
        checkInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
        scalarInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ);
    }

    private static void checkColumns(String op, Tensor Z, Tensor a, String aName, Tensor b, String bName) {
        Check.usable(op, "Z", Z);
        Check.perColumn(op, Z, "Z", a, aName);
        Check.perColumn(op, Z, "Z", b, bName);
    }

    private static void checkNormalize(Activation g, Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                       Tensor Zhat, Tensor A) {
        String op = "batchNormForward";
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        checkColumns(op, Z, mean, "mean", invStd, "invStd");
        checkColumns(op, Z, gamma, "gamma", beta, "beta");
        Check.like(op, Z, "Z", Zhat, "Zhat");
        Check.like(op, Z, "Z", A, "A");
        Check.sameOrDisjoint(op, Zhat, "Zhat", Z, "Z");
        Check.sameOrDisjoint(op, A, "A", Z, "Z");
        Check.sameOrDisjoint(op, A, "A", Zhat, "Zhat");
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

    private static void scalarNormalize(Activation g, Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                        Tensor Zhat, Tensor A) {
        long n = Z.cols();
        for (long k = 0; k < Z.size(); k++) {
            long j = k % n;
            double zhat = (Z.get(k) - mean.get(j)) * invStd.get(j);
            Zhat.set(k, zhat);
            A.set(k, g.apply(gamma.get(j) * zhat + beta.get(j)));
        }
    }

    private static void scalarSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        long m = G.rows();
        long n = G.cols();
        for (long j = 0; j < n; j++) {
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

    private static void scalarInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ) {
        long n = G.cols();
        for (long k = 0; k < G.size(); k++) {
            long j = k % n;
            dZ.set(k, gamma.get(j) * invStd.get(j) * (G.get(k) - dbeta.get(j) - Zhat.get(k) * dgamma.get(j)));
        }
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final VectorMask<Float> ALL = S.maskAll(true);
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        private static FloatVector load(MemorySegment s, long index, VectorMask<Float> m) {
            return FloatVector.fromMemorySegment(S, s, index * BYTES, O, m);
        }

        static void meanVariance(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment var) {
            float inverseM = 1f / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Float> block = S.indexInRange(j, cols);
                FloatVector sum = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(load(z, i * cols + j, block));
                }
                FloatVector mu = sum.mul(inverseM);
                FloatVector squares = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    FloatVector d = load(z, i * cols + j, block).sub(mu);
                    squares = d.fma(d, squares);
                }
                mu.intoMemorySegment(mean, j * BYTES, O, block);
                squares.mul(inverseM).intoMemorySegment(var, j * BYTES, O, block);
            }
        }

        static void normalizeActivate(Activation g, MemorySegment z, long rows, long cols, MemorySegment mean,
                                      MemorySegment invStd, MemorySegment gamma, MemorySegment beta, MemorySegment zhat,
                                      MemorySegment a) {
            long bound = S.loopBound(cols);
            VectorMask<Float> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j += S.length()) {
                    VectorMask<Float> m = j < bound ? ALL : tail;
                    long at = i * cols + j;
                    FloatVector zh = load(z, at, m).sub(load(mean, j, m)).mul(load(invStd, j, m));
                    zh.intoMemorySegment(zhat, at * BYTES, O, m);
                    ActivationKernels.F32.apply(g, zh.mul(load(gamma, j, m)).add(load(beta, j, m)))
                            .intoMemorySegment(a, at * BYTES, O, m);
                }
            }
        }

        static void backwardSums(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment dgamma,
                                 MemorySegment dbeta) {
            float inverseM = 1f / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Float> block = S.indexInRange(j, cols);
                FloatVector sumG = FloatVector.zero(S);
                FloatVector sumGZ = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    FloatVector g = load(gs, i * cols + j, block);
                    sumG = sumG.add(g);
                    sumGZ = g.fma(load(zhat, i * cols + j, block), sumGZ);
                }
                sumG.mul(inverseM).intoMemorySegment(dbeta, j * BYTES, O, block);
                sumGZ.mul(inverseM).intoMemorySegment(dgamma, j * BYTES, O, block);
            }
        }

        static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                                  MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz) {
            long bound = S.loopBound(cols);
            VectorMask<Float> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j += S.length()) {
                    VectorMask<Float> m = j < bound ? ALL : tail;
                    long at = i * cols + j;
                    FloatVector centred = load(gs, at, m).sub(load(dbeta, j, m)).sub(load(zhat, at, m).mul(load(dgamma, j, m)));
                    centred.mul(load(gamma, j, m)).mul(load(invStd, j, m)).intoMemorySegment(dz, at * BYTES, O, m);
                }
            }
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final VectorMask<Double> ALL = S.maskAll(true);
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        private static DoubleVector load(MemorySegment s, long index, VectorMask<Double> m) {
            return DoubleVector.fromMemorySegment(S, s, index * BYTES, O, m);
        }

        static void meanVariance(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment var) {
            double inverseM = 1.0 / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Double> block = S.indexInRange(j, cols);
                DoubleVector sum = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(load(z, i * cols + j, block));
                }
                DoubleVector mu = sum.mul(inverseM);
                DoubleVector squares = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    DoubleVector d = load(z, i * cols + j, block).sub(mu);
                    squares = d.fma(d, squares);
                }
                mu.intoMemorySegment(mean, j * BYTES, O, block);
                squares.mul(inverseM).intoMemorySegment(var, j * BYTES, O, block);
            }
        }

        static void normalizeActivate(Activation g, MemorySegment z, long rows, long cols, MemorySegment mean,
                                      MemorySegment invStd, MemorySegment gamma, MemorySegment beta, MemorySegment zhat,
                                      MemorySegment a) {
            long bound = S.loopBound(cols);
            VectorMask<Double> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j += S.length()) {
                    VectorMask<Double> m = j < bound ? ALL : tail;
                    long at = i * cols + j;
                    DoubleVector zh = load(z, at, m).sub(load(mean, j, m)).mul(load(invStd, j, m));
                    zh.intoMemorySegment(zhat, at * BYTES, O, m);
                    ActivationKernels.F64.apply(g, zh.mul(load(gamma, j, m)).add(load(beta, j, m)))
                            .intoMemorySegment(a, at * BYTES, O, m);
                }
            }
        }

        static void backwardSums(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment dgamma,
                                 MemorySegment dbeta) {
            double inverseM = 1.0 / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Double> block = S.indexInRange(j, cols);
                DoubleVector sumG = DoubleVector.zero(S);
                DoubleVector sumGZ = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    DoubleVector g = load(gs, i * cols + j, block);
                    sumG = sumG.add(g);
                    sumGZ = g.fma(load(zhat, i * cols + j, block), sumGZ);
                }
                sumG.mul(inverseM).intoMemorySegment(dbeta, j * BYTES, O, block);
                sumGZ.mul(inverseM).intoMemorySegment(dgamma, j * BYTES, O, block);
            }
        }

        static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                                  MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz) {
            long bound = S.loopBound(cols);
            VectorMask<Double> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j += S.length()) {
                    VectorMask<Double> m = j < bound ? ALL : tail;
                    long at = i * cols + j;
                    DoubleVector centred = load(gs, at, m).sub(load(dbeta, j, m)).sub(load(zhat, at, m).mul(load(dgamma, j, m)));
                    centred.mul(load(gamma, j, m)).mul(load(invStd, j, m)).intoMemorySegment(dz, at * BYTES, O, m);
                }
            }
        }
    }
}

package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Batch norm on Z (DESIGN §3), per column j over the m rows of a batch:
 * {@code μ = (1/m)Σ Z}, {@code σ² = (1/m)Σ (Z − μ)²} (two passes: the one-pass {@code E[Z²] − μ²} cancels
 * catastrophically in float32), {@code Ẑ = (Z − μ)/√(σ² + ε)}, {@code Z̃ = γ·Ẑ + β} (the layer then applies its
 * activation in place). Backward, with G the gradient at Z̃ in the course's per-sample scale:
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

    /** {@code Ẑ = (Z − mean)·invStd} and {@code Z̃ = γ·Ẑ + β} in one pass. Zhat may be Z; Ztilde must be apart from both. */
    public static void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde) {
        checkNormalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
        if (!Vectorization.ENABLED) {
            scalarNormalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
        } else if (Z.dtype() == DType.F32) {
            F32.normalize(Z.segment(), Z.rows(), Z.cols(), mean.segment(), invStd.segment(), gamma.segment(),
                    beta.segment(), Zhat.segment(), Ztilde.segment());
        } else {
            F64.normalize(Z.segment(), Z.rows(), Z.cols(), mean.segment(), invStd.segment(), gamma.segment(),
                    beta.segment(), Zhat.segment(), Ztilde.segment());
        }
    }

    public static void scalarNormalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat,
                                       Tensor Ztilde) {
        checkNormalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
        scalarNormalizeBody(Z, mean, invStd, gamma, beta, Zhat, Ztilde);
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

    private static void checkNormalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor A) {
        String op = "batchNormForward";
        checkColumns(op, Z, mean, "mean", invStd, "invStd");
        checkColumns(op, Z, gamma, "gamma", beta, "beta");
        Check.like(op, Z, "Z", Zhat, "Zhat");
        Check.like(op, Z, "Z", A, "Ztilde");
        Check.sameOrDisjoint(op, Zhat, "Zhat", Z, "Z");
        Check.sameOrDisjoint(op, A, "Ztilde", Z, "Z");
        Check.sameOrDisjoint(op, A, "Ztilde", Zhat, "Zhat");
        if (A.segment().address() == Z.segment().address() || A.segment().address() == Zhat.segment().address()) {
            throw new IllegalArgumentException(op + ": Ztilde must not be Z or Zhat");
        }
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

    private static void scalarNormalizeBody(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat,
                                            Tensor A) {
        long n = Z.cols();
        for (long k = 0; k < Z.size(); k++) {
            long j = k % n;
            double zhat = (Z.get(k) - mean.get(j)) * invStd.get(j);
            Zhat.set(k, zhat);
            A.set(k, gamma.get(j) * zhat + beta.get(j));
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

    /*
     * Kept small on purpose: a helper taking or returning vectors is compiled apart, does not inline and boxes every
     * vector; a method with too many vector operations fails C1 ("out of virtual registers") and never reaches C2.
     * Row kernels therefore run full vectors and finish each row with scalar code.
     */
    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}


        static void meanVariance(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment var) {
            float inverseM = 1f / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Float> block = S.indexInRange(j, cols);
                FloatVector sum = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block));
                }
                FloatVector mu = sum.mul(inverseM);
                FloatVector squares = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    FloatVector d = FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).sub(mu);
                    squares = d.fma(d, squares);
                }
                mu.intoMemorySegment(mean, j * BYTES, O, block);
                squares.mul(inverseM).intoMemorySegment(var, j * BYTES, O, block);
            }
        }

        /*
         * Column blocks outside, rows inside (as in meanVariance): the block's mean, 1/σ, γ and β are loaded once and
         * stay in registers. The row-major order (per-column loads inside the row loop) also kept deoptimizing in C2
         * ("profile_predicate" traps) when training and evaluation alternate, leaving the kernel in C1, allocating.
         */
        static void normalize(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment invStd,
                              MemorySegment gamma, MemorySegment beta, MemorySegment zhat, MemorySegment a) {
            long bound = S.loopBound(cols);
            for (long j = 0; j < bound; j += S.length()) {
                long col = j * BYTES;
                FloatVector mu = FloatVector.fromMemorySegment(S, mean, col, O);
                FloatVector is = FloatVector.fromMemorySegment(S, invStd, col, O);
                FloatVector g = FloatVector.fromMemorySegment(S, gamma, col, O);
                FloatVector b = FloatVector.fromMemorySegment(S, beta, col, O);
                for (long i = 0; i < rows; i++) {
                    long at = (i * cols + j) * BYTES;
                    FloatVector zh = FloatVector.fromMemorySegment(S, z, at, O).sub(mu).mul(is);
                    zh.intoMemorySegment(zhat, at, O);
                    zh.mul(g).add(b).intoMemorySegment(a, at, O);
                }
            }
            for (long j = bound; j < cols; j++) {
                float mu = mean.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float is = invStd.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float g = gamma.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float b = beta.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                for (long i = 0; i < rows; i++) {
                    long at = (i * cols + j) * BYTES;
                    float zh = (z.get(ValueLayout.JAVA_FLOAT, at) - mu) * is;
                    zhat.set(ValueLayout.JAVA_FLOAT, at, zh);
                    a.set(ValueLayout.JAVA_FLOAT, at, zh * g + b);
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
                    FloatVector g = FloatVector.fromMemorySegment(S, gs, (i * cols + j) * BYTES, O, block);
                    sumG = sumG.add(g);
                    sumGZ = g.fma(FloatVector.fromMemorySegment(S, zhat, (i * cols + j) * BYTES, O, block), sumGZ);
                }
                sumG.mul(inverseM).intoMemorySegment(dbeta, j * BYTES, O, block);
                sumGZ.mul(inverseM).intoMemorySegment(dgamma, j * BYTES, O, block);
            }
        }

        /** Column blocks outside, rows inside, for the reasons given at {@link #normalize}. */
        static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                                  MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz) {
            long bound = S.loopBound(cols);
            for (long j = 0; j < bound; j += S.length()) {
                long col = j * BYTES;
                FloatVector db = FloatVector.fromMemorySegment(S, dbeta, col, O);
                FloatVector dg = FloatVector.fromMemorySegment(S, dgamma, col, O);
                FloatVector g = FloatVector.fromMemorySegment(S, gamma, col, O);
                FloatVector is = FloatVector.fromMemorySegment(S, invStd, col, O);
                for (long i = 0; i < rows; i++) {
                    long at = (i * cols + j) * BYTES;
                    FloatVector.fromMemorySegment(S, gs, at, O).sub(db)
                            .sub(FloatVector.fromMemorySegment(S, zhat, at, O).mul(dg))
                            .mul(g).mul(is).intoMemorySegment(dz, at, O);
                }
            }
            for (long j = bound; j < cols; j++) {
                float db = dbeta.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float dg = dgamma.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float g = gamma.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                float is = invStd.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                for (long i = 0; i < rows; i++) {
                    long at = (i * cols + j) * BYTES;
                    float centred = gs.get(ValueLayout.JAVA_FLOAT, at) - db - zhat.get(ValueLayout.JAVA_FLOAT, at) * dg;
                    dz.set(ValueLayout.JAVA_FLOAT, at, centred * g * is);
                }
            }
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}


        static void meanVariance(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment var) {
            double inverseM = 1.0 / rows;
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Double> block = S.indexInRange(j, cols);
                DoubleVector sum = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(DoubleVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block));
                }
                DoubleVector mu = sum.mul(inverseM);
                DoubleVector squares = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    DoubleVector d = DoubleVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).sub(mu);
                    squares = d.fma(d, squares);
                }
                mu.intoMemorySegment(mean, j * BYTES, O, block);
                squares.mul(inverseM).intoMemorySegment(var, j * BYTES, O, block);
            }
        }

        static void normalize(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment invStd,
                              MemorySegment gamma, MemorySegment beta, MemorySegment zhat, MemorySegment a) {
            long bound = S.loopBound(cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    long at = row + j * BYTES;
                    DoubleVector zh = DoubleVector.fromMemorySegment(S, z, at, O).sub(DoubleVector.fromMemorySegment(S, mean, j * BYTES, O))
                            .mul(DoubleVector.fromMemorySegment(S, invStd, j * BYTES, O));
                    zh.intoMemorySegment(zhat, at, O);
                    zh.mul(DoubleVector.fromMemorySegment(S, gamma, j * BYTES, O)).add(DoubleVector.fromMemorySegment(S, beta, j * BYTES, O))
                            .intoMemorySegment(a, at, O);
                }
                for (long j = bound; j < cols; j++) {
                    long at = row + j * BYTES;
                    double zh = (z.get(ValueLayout.JAVA_DOUBLE, at) - mean.getAtIndex(ValueLayout.JAVA_DOUBLE, j)) * invStd.getAtIndex(ValueLayout.JAVA_DOUBLE, j);
                    zhat.set(ValueLayout.JAVA_DOUBLE, at, zh);
                    a.set(ValueLayout.JAVA_DOUBLE, at, zh * gamma.getAtIndex(ValueLayout.JAVA_DOUBLE, j) + beta.getAtIndex(ValueLayout.JAVA_DOUBLE, j));
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
                    DoubleVector g = DoubleVector.fromMemorySegment(S, gs, (i * cols + j) * BYTES, O, block);
                    sumG = sumG.add(g);
                    sumGZ = g.fma(DoubleVector.fromMemorySegment(S, zhat, (i * cols + j) * BYTES, O, block), sumGZ);
                }
                sumG.mul(inverseM).intoMemorySegment(dbeta, j * BYTES, O, block);
                sumGZ.mul(inverseM).intoMemorySegment(dgamma, j * BYTES, O, block);
            }
        }

        static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                                  MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz) {
            long bound = S.loopBound(cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    long at = row + j * BYTES;
                    long col = j * BYTES;
                    DoubleVector.fromMemorySegment(S, gs, at, O).sub(DoubleVector.fromMemorySegment(S, dbeta, col, O))
                            .sub(DoubleVector.fromMemorySegment(S, zhat, at, O).mul(DoubleVector.fromMemorySegment(S, dgamma, col, O)))
                            .mul(DoubleVector.fromMemorySegment(S, gamma, col, O)).mul(DoubleVector.fromMemorySegment(S, invStd, col, O))
                            .intoMemorySegment(dz, at, O);
                }
                for (long j = bound; j < cols; j++) {
                    long at = row + j * BYTES;
                    double centred = gs.get(ValueLayout.JAVA_DOUBLE, at) - dbeta.getAtIndex(ValueLayout.JAVA_DOUBLE, j)
                            - zhat.get(ValueLayout.JAVA_DOUBLE, at) * dgamma.getAtIndex(ValueLayout.JAVA_DOUBLE, j);
                    dz.set(ValueLayout.JAVA_DOUBLE, at, centred * gamma.getAtIndex(ValueLayout.JAVA_DOUBLE, j) * invStd.getAtIndex(ValueLayout.JAVA_DOUBLE, j));
                }
            }
        }
    }
}

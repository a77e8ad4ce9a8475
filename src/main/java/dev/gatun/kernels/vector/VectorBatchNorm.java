package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Batch norm's bulk passes on float32 in SIMD; float64 goes to the scalar twin. Kept small on purpose: a helper taking
 * or returning vectors is compiled apart, does not inline and boxes every vector; a method with too many vector
 * operations fails C1 ("out of virtual registers") and never reaches C2.
 */
public final class VectorBatchNorm implements KernelProvider.BatchNorm {
    private static final KernelProvider.BatchNorm SCALAR = KernelProvider.scalar().batchNorm();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;

    /*
     * Column blocks outside, rows inside (as in meanVariance): the block's mean, 1/σ, γ and β are loaded once and
     * stay in registers. The row-major order (per-column loads inside the row loop) also kept deoptimizing in C2
     * ("profile_predicate" traps) when training and evaluation alternate, leaving the kernel in C1, allocating.
     */
    static void normalize(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment invStd,
                          MemorySegment gamma, MemorySegment beta, MemorySegment zhat, MemorySegment a, long fromCol,
                          long toCol) {
        long bound = Math.min(toCol, S.loopBound(cols));
        for (long j = fromCol; j < bound; j += S.length()) {
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
        for (long j = Math.max(fromCol, bound); j < toCol; j++) {
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

    /** Column blocks outside, rows inside, for the reasons given at {@link #normalize}. */
    static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                              MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz,
                              long fromCol, long toCol) {
        long bound = Math.min(toCol, S.loopBound(cols));
        for (long j = fromCol; j < bound; j += S.length()) {
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
        for (long j = Math.max(fromCol, bound); j < toCol; j++) {
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

    /**
     * Column means and variances, one masked block of columns at a time, two passes down the rows.
     * The loop sits in this public method rather than in a static helper it calls: one call level less between a
     * caller and the Vector API's own ten or so, under C2's inlining depth of 15 (MaxInlineLevel).
     */
    @Override
    public void meanVariance(Tensor Z, Tensor mean, Tensor var, long fromCol, long toCol) {
        if (Z.dtype() != DType.F32) {
            SCALAR.meanVariance(Z, mean, var, fromCol, toCol);
            return;
        }
        MemorySegment z = Z.segment();
        long rows = Z.rows();
        long cols = Z.cols();
        float inverseM = 1f / rows;
        for (long j = fromCol; j < toCol; j += S.length()) {
            VectorMask<Float> block = S.indexInRange(j, toCol);
            FloatVector sum = FloatVector.zero(S);
            for (long i = 0; i < rows; i++) {
                sum = FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).add(sum);
            }
            FloatVector mu = FloatVector.broadcast(S, inverseM).mul(sum);
            FloatVector squares = FloatVector.zero(S);
            for (long i = 0; i < rows; i++) {
                FloatVector d = FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).sub(mu);
                squares = d.fma(d, squares);
            }
            mu.intoMemorySegment(mean.segment(), j * BYTES, O, block);
            FloatVector.broadcast(S, inverseM).mul(squares).intoMemorySegment(var.segment(), j * BYTES, O, block);
        }
    }

    @Override
    public void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde,
                          long fromCol, long toCol) {
        if (Z.dtype() != DType.F32) {
            SCALAR.normalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde, fromCol, toCol);
        } else {
            normalize(Z.segment(), Z.rows(), Z.cols(), mean.segment(), invStd.segment(), gamma.segment(), beta.segment(),
                    Zhat.segment(), Ztilde.segment(), fromCol, toCol);
        }
    }

    /** dβ and dγ per column; the body sits here for the reason given at {@link #meanVariance}. */
    @Override
    public void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta, long fromCol, long toCol) {
        if (G.dtype() != DType.F32) {
            SCALAR.backwardSums(G, Zhat, dgamma, dbeta, fromCol, toCol);
            return;
        }
        MemorySegment gs = G.segment();
        MemorySegment zhat = Zhat.segment();
        long rows = G.rows();
        long cols = G.cols();
        float inverseM = 1f / rows;
        for (long j = fromCol; j < toCol; j += S.length()) {
            VectorMask<Float> block = S.indexInRange(j, toCol);
            FloatVector sumG = FloatVector.zero(S);
            FloatVector sumGZ = FloatVector.zero(S);
            for (long i = 0; i < rows; i++) {
                FloatVector g = FloatVector.fromMemorySegment(S, gs, (i * cols + j) * BYTES, O, block);
                sumG = g.add(sumG);
                sumGZ = g.fma(FloatVector.fromMemorySegment(S, zhat, (i * cols + j) * BYTES, O, block), sumGZ);
            }
            FloatVector.broadcast(S, inverseM).mul(sumG).intoMemorySegment(dbeta.segment(), j * BYTES, O, block);
            FloatVector.broadcast(S, inverseM).mul(sumGZ).intoMemorySegment(dgamma.segment(), j * BYTES, O, block);
        }
    }

    @Override
    public void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ,
                              long fromCol, long toCol) {
        if (G.dtype() != DType.F32) {
            SCALAR.backwardInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ, fromCol, toCol);
        } else {
            backwardInput(G.segment(), Zhat.segment(), G.rows(), G.cols(), gamma.segment(), invStd.segment(),
                    dgamma.segment(), dbeta.segment(), dZ.segment(), fromCol, toCol);
        }
    }
}

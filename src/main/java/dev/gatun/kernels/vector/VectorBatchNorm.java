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
     * Column blocks outside, rows inside (as in meanVariance): the block's mean, 1/σ, γ and β are loaded once and stay
     * in registers. Two blocks per walk down the rows, so that each row's reads and writes use whole cache lines of
     * 256-bit vectors rather than halves. Whole vectors stop at the last one inside [fromCol, toCol), the scalar loop
     * takes the rest, so a range that ends inside a vector writes nothing past its end. The row-major order (per-column
     * loads inside the row loop) also kept deoptimizing in C2 ("profile_predicate" traps) when training and evaluation
     * alternate, leaving the kernel in C1, allocating.
     */
    static void normalize(MemorySegment z, long rows, long cols, MemorySegment mean, MemorySegment invStd,
                          MemorySegment gamma, MemorySegment beta, MemorySegment zhat, MemorySegment a, long fromCol,
                          long toCol) {
        long bound = fromCol + S.loopBound(toCol - fromCol);
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 2 * width <= bound; j += 2 * width) {
            long first = j * BYTES;
            long w = width * BYTES;
            FloatVector mu0 = FloatVector.fromMemorySegment(S, mean, first, O);
            FloatVector mu1 = FloatVector.fromMemorySegment(S, mean, first + w, O);
            FloatVector is0 = FloatVector.fromMemorySegment(S, invStd, first, O);
            FloatVector is1 = FloatVector.fromMemorySegment(S, invStd, first + w, O);
            FloatVector g0 = FloatVector.fromMemorySegment(S, gamma, first, O);
            FloatVector g1 = FloatVector.fromMemorySegment(S, gamma, first + w, O);
            FloatVector b0 = FloatVector.fromMemorySegment(S, beta, first, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, beta, first + w, O);
            for (long i = 0, at = first; i < rows; i++, at += rowBytes) {
                FloatVector zh0 = FloatVector.fromMemorySegment(S, z, at, O).sub(mu0).mul(is0);
                zh0.intoMemorySegment(zhat, at, O);
                zh0.mul(g0).add(b0).intoMemorySegment(a, at, O);
                FloatVector zh1 = FloatVector.fromMemorySegment(S, z, at + w, O).sub(mu1).mul(is1);
                zh1.intoMemorySegment(zhat, at + w, O);
                zh1.mul(g1).add(b1).intoMemorySegment(a, at + w, O);
            }
        }
        for (; j < bound; j += width) {
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
        for (; j < toCol; j++) {
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

    /**
     * Column blocks outside, rows inside, for the reasons given at {@link #normalize}; two blocks per walk down the
     * rows, so that each row's reads and writes use whole cache lines of 256-bit vectors rather than halves.
     */
    static void backwardInput(MemorySegment gs, MemorySegment zhat, long rows, long cols, MemorySegment gamma,
                              MemorySegment invStd, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dz,
                              long fromCol, long toCol) {
        long bound = fromCol + S.loopBound(toCol - fromCol);
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 2 * width <= bound; j += 2 * width) {
            long first = j * BYTES;
            long w = width * BYTES;
            FloatVector db0 = FloatVector.fromMemorySegment(S, dbeta, first, O);
            FloatVector db1 = FloatVector.fromMemorySegment(S, dbeta, first + w, O);
            FloatVector dg0 = FloatVector.fromMemorySegment(S, dgamma, first, O);
            FloatVector dg1 = FloatVector.fromMemorySegment(S, dgamma, first + w, O);
            FloatVector g0 = FloatVector.fromMemorySegment(S, gamma, first, O);
            FloatVector g1 = FloatVector.fromMemorySegment(S, gamma, first + w, O);
            FloatVector is0 = FloatVector.fromMemorySegment(S, invStd, first, O);
            FloatVector is1 = FloatVector.fromMemorySegment(S, invStd, first + w, O);
            for (long i = 0, at = first; i < rows; i++, at += rowBytes) {
                FloatVector.fromMemorySegment(S, gs, at, O).sub(db0)
                        .sub(FloatVector.fromMemorySegment(S, zhat, at, O).mul(dg0))
                        .mul(g0).mul(is0).intoMemorySegment(dz, at, O);
                FloatVector.fromMemorySegment(S, gs, at + w, O).sub(db1)
                        .sub(FloatVector.fromMemorySegment(S, zhat, at + w, O).mul(dg1))
                        .mul(g1).mul(is1).intoMemorySegment(dz, at + w, O);
            }
        }
        for (; j < bound; j += width) {
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
        for (; j < toCol; j++) {
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
     * Column means and variances, two passes down the rows: two vectors of columns at a time, then single masked
     * vectors for what is left. More sums in flight than one hide the add's latency and use more of each row's
     * cache line ({@link VectorReductions#columnSums} takes four); with four here the kernels allocated megabytes
     * per hundred steps (KernelAllocationTest), as the class comment warns for methods with many vector operations.
     * Each column's sums still run from row 0 down, so the grouping does not change the bits. The means come from
     * {@link #columnMeans}, sums about each column's first value. The variance loops sit in this
     * public method rather than in a static helper it calls: one call level less between a caller and the Vector
     * API's own ten or so, under C2's inlining depth of 15 (MaxInlineLevel).
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
        columnMeans(z, rows, cols, mean.segment(), fromCol, toCol);
        float inverseM = 1f / rows;
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 2 * width <= toCol; j += 2 * width) {
            long first = j * BYTES;
            long w = width * BYTES;
            FloatVector mu0 = FloatVector.fromMemorySegment(S, mean.segment(), first, O);
            FloatVector mu1 = FloatVector.fromMemorySegment(S, mean.segment(), first + w, O);
            FloatVector q0 = FloatVector.zero(S), q1 = q0;
            for (long i = 0, at = first; i < rows; i++, at += rowBytes) {
                FloatVector d0 = FloatVector.fromMemorySegment(S, z, at, O).sub(mu0);
                FloatVector d1 = FloatVector.fromMemorySegment(S, z, at + w, O).sub(mu1);
                q0 = d0.fma(d0, q0);
                q1 = d1.fma(d1, q1);
            }
            FloatVector inverse = FloatVector.broadcast(S, inverseM);
            inverse.mul(q0).intoMemorySegment(var.segment(), first, O);
            inverse.mul(q1).intoMemorySegment(var.segment(), first + w, O);
        }
        for (; j < toCol; j += width) {
            VectorMask<Float> block = S.indexInRange(j, toCol);
            FloatVector mu = FloatVector.fromMemorySegment(S, mean.segment(), j * BYTES, O, block);
            FloatVector squares = FloatVector.zero(S);
            for (long i = 0; i < rows; i++) {
                FloatVector d = FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).sub(mu);
                squares = d.fma(d, squares);
            }
            FloatVector.broadcast(S, inverseM).mul(squares).intoMemorySegment(var.segment(), j * BYTES, O, block);
        }
    }

    /**
     * The first pass of {@link #meanVariance}: each column's mean into {@code mean}, as its row 0 plus the mean of the
     * differences from it, {@code c + (1/m)·Σ(z − c)}. A float sum of the values themselves loses their low bits once
     * it is large: for a column of 1,000.1 in a batch of 256 it puts the mean 0.0024 off, the variance at 6e-6 where
     * it is 0 and Ẑ at 0.61 instead of 0 (−0.95 in a batch of 1,024); about its first value a constant column sums to
     * exactly 0. A method of its own, exchanging only memory with the second pass: in meanVariance's body the extra
     * vector operations push the training step's compilation past C2's budget, and the step allocates 48 KB (ModelTest's
     * allocation check).
     */
    private static void columnMeans(MemorySegment z, long rows, long cols, MemorySegment mean, long fromCol, long toCol) {
        float inverseM = 1f / rows;
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 2 * width <= toCol; j += 2 * width) {
            long first = j * BYTES;
            long w = width * BYTES;
            FloatVector c0 = FloatVector.fromMemorySegment(S, z, first, O);
            FloatVector c1 = FloatVector.fromMemorySegment(S, z, first + w, O);
            FloatVector s0 = FloatVector.zero(S), s1 = s0;
            for (long i = 0, at = first; i < rows; i++, at += rowBytes) {
                s0 = FloatVector.fromMemorySegment(S, z, at, O).sub(c0).add(s0);
                s1 = FloatVector.fromMemorySegment(S, z, at + w, O).sub(c1).add(s1);
            }
            FloatVector inverse = FloatVector.broadcast(S, inverseM);
            inverse.fma(s0, c0).intoMemorySegment(mean, first, O);
            inverse.fma(s1, c1).intoMemorySegment(mean, first + w, O);
        }
        for (; j < toCol; j += width) {
            VectorMask<Float> block = S.indexInRange(j, toCol);
            FloatVector c = FloatVector.fromMemorySegment(S, z, j * BYTES, O, block);
            FloatVector sum = FloatVector.zero(S);
            for (long i = 0; i < rows; i++) {
                sum = FloatVector.fromMemorySegment(S, z, (i * cols + j) * BYTES, O, block).sub(c).add(sum);
            }
            FloatVector.broadcast(S, inverseM).fma(sum, c).intoMemorySegment(mean, j * BYTES, O, block);
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

    /**
     * dβ and dγ per column, two vectors of columns at a time then single masked vectors, as {@link #meanVariance};
     * the body sits here for the reason given there.
     */
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
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 2 * width <= toCol; j += 2 * width) {
            long first = j * BYTES;
            long w = width * BYTES;
            FloatVector g0 = FloatVector.zero(S), g1 = g0, gz0 = g0, gz1 = g0;
            for (long i = 0, at = first; i < rows; i++, at += rowBytes) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, gs, at, O);
                FloatVector v1 = FloatVector.fromMemorySegment(S, gs, at + w, O);
                g0 = v0.add(g0);
                g1 = v1.add(g1);
                gz0 = v0.fma(FloatVector.fromMemorySegment(S, zhat, at, O), gz0);
                gz1 = v1.fma(FloatVector.fromMemorySegment(S, zhat, at + w, O), gz1);
            }
            FloatVector inverse = FloatVector.broadcast(S, inverseM);
            inverse.mul(g0).intoMemorySegment(dbeta.segment(), first, O);
            inverse.mul(g1).intoMemorySegment(dbeta.segment(), first + w, O);
            inverse.mul(gz0).intoMemorySegment(dgamma.segment(), first, O);
            inverse.mul(gz1).intoMemorySegment(dgamma.segment(), first + w, O);
        }
        for (; j < toCol; j += width) {
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

package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarReductions;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Sums on float32 in SIMD. Column sums walk one vector-wide block of columns down all rows with the sum in a
 * register, so each element is read once and the output written once; the last block is masked, which also covers
 * matrices narrower than a vector (10 classes).
 */
public final class VectorReductions implements KernelProvider.Reductions {
    private static final KernelProvider.Reductions SCALAR = KernelProvider.scalar().reductions();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;
    /** Rows summed in float before a block's sum joins the column's total ({@link #columnSums}). */
    static final int BLOCK_ROWS = 256;

    static long bound(long n) {
        return S.loopBound(n);
    }

    /** Whole vectors only (the caller adds the scalar tail); four accumulators hide the add latency. */
    static double sum(MemorySegment x, long n, boolean squares) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        long step = S.length();
        long k = 0;
        for (; k + 4 * step <= n; k += 4 * step) {
            FloatVector v0 = FloatVector.fromMemorySegment(S, x, k * BYTES, O);
            FloatVector v1 = FloatVector.fromMemorySegment(S, x, (k + step) * BYTES, O);
            FloatVector v2 = FloatVector.fromMemorySegment(S, x, (k + 2 * step) * BYTES, O);
            FloatVector v3 = FloatVector.fromMemorySegment(S, x, (k + 3 * step) * BYTES, O);
            s0 = squares ? v0.fma(v0, s0) : v0.abs().add(s0);
            s1 = squares ? v1.fma(v1, s1) : v1.abs().add(s1);
            s2 = squares ? v2.fma(v2, s2) : v2.abs().add(s2);
            s3 = squares ? v3.fma(v3, s3) : v3.abs().add(s3);
        }
        for (; k < bound(n); k += step) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, k * BYTES, O);
            s0 = squares ? v.fma(v, s0) : v.abs().add(s0);
        }
        FloatVector a = ((FloatVector) S.vectorType().cast(s0)).add(s1);
        FloatVector b = ((FloatVector) S.vectorType().cast(s2)).add(s3);
        // The Lanes fold of both halves, written out (a call with a vector argument boxes it when not inlined).
        if (Lanes.F8 != null) {
            a = a.add(a.rearrange(Lanes.F8));
            b = b.add(b.rearrange(Lanes.F8));
        }
        if (Lanes.F4 != null) {
            a = a.add(a.rearrange(Lanes.F4));
            b = b.add(b.rearrange(Lanes.F4));
        }
        if (Lanes.F2 != null) {
            a = a.add(a.rearrange(Lanes.F2));
            b = b.add(b.rearrange(Lanes.F2));
        }
        if (Lanes.F1 != null) {
            a = a.add(a.rearrange(Lanes.F1));
            b = b.add(b.rearrange(Lanes.F1));
        }
        return (double) a.lane(0) + b.lane(0);
    }

    /**
     * {@code out[j] = scale·Σ_i X[i, j]} for columns [fromCol, toCol): four vectors of columns at a time walk down
     * the rows together, then single masked vectors take what is left. Four sums in flight rather than one: a lone
     * sum waits out the add's latency on every row, and four adjacent vectors use whole cache lines of each row
     * where one 256-bit vector used half a line and left the other half for a second walk. Each column is still summed
     * alone, from row 0 down, so the bits do not depend on the grouping. The rows are summed in blocks of
     * {@value #BLOCK_ROWS}, each block's sum then added to the column's total: one float sum down 60,000 rows of one
     * sign (a full-batch bias gradient) drifted by about 6e-4 of its value, rounding once per row on an ever larger
     * total; in blocks the error stays near that of a few hundred additions. The loops sit in this public method
     * rather than in a static helper it calls: one call level less between a caller and the Vector API's own ten or
     * so, under C2's inlining depth of 15 (MaxInlineLevel).
     */
    @Override
    public void columnSums(Tensor X, double scale, Tensor out, long fromCol, long toCol) {
        if (X.dtype() != DType.F32) {
            SCALAR.columnSums(X, scale, out, fromCol, toCol);
            return;
        }
        MemorySegment x = X.segment();
        long rows = X.rows();
        long cols = X.cols();
        float factor = (float) scale;
        long width = S.length();
        long rowBytes = cols * BYTES;
        long j = fromCol;
        for (; j + 4 * width <= toCol; j += 4 * width) {
            FloatVector t0 = FloatVector.zero(S), t1 = t0, t2 = t0, t3 = t0;
            long at = j * BYTES;
            for (long first = 0; first < rows; first += BLOCK_ROWS) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (long i = first, end = Math.min(rows, first + BLOCK_ROWS); i < end; i++, at += rowBytes) {
                    s0 = FloatVector.fromMemorySegment(S, x, at, O).add(s0);
                    s1 = FloatVector.fromMemorySegment(S, x, at + width * BYTES, O).add(s1);
                    s2 = FloatVector.fromMemorySegment(S, x, at + 2 * width * BYTES, O).add(s2);
                    s3 = FloatVector.fromMemorySegment(S, x, at + 3 * width * BYTES, O).add(s3);
                }
                t0 = s0.add(t0);
                t1 = s1.add(t1);
                t2 = s2.add(t2);
                t3 = s3.add(t3);
            }
            FloatVector f = FloatVector.broadcast(S, factor);
            f.mul(t0).intoMemorySegment(out.segment(), j * BYTES, O);
            f.mul(t1).intoMemorySegment(out.segment(), (j + width) * BYTES, O);
            f.mul(t2).intoMemorySegment(out.segment(), (j + 2 * width) * BYTES, O);
            f.mul(t3).intoMemorySegment(out.segment(), (j + 3 * width) * BYTES, O);
        }
        for (; j < toCol; j += width) {
            VectorMask<Float> block = S.indexInRange(j, toCol);
            FloatVector total = FloatVector.zero(S);
            for (long first = 0; first < rows; first += BLOCK_ROWS) {
                FloatVector sum = FloatVector.zero(S);
                for (long i = first, end = Math.min(rows, first + BLOCK_ROWS); i < end; i++) {
                    sum = FloatVector.fromMemorySegment(S, x, (i * cols + j) * BYTES, O, block).add(sum);
                }
                total = sum.add(total);
            }
            FloatVector.broadcast(S, factor).mul(total).intoMemorySegment(out.segment(), j * BYTES, O, block);
        }
    }

    @Override
    public double sumSquares(Tensor x) {
        return sum(x, true);
    }

    @Override
    public double sumAbs(Tensor x) {
        return sum(x, false);
    }

    private static double sum(Tensor x, boolean squares) {
        if (x.dtype() != DType.F32) {
            return ScalarReductions.sum(x, squares, 0);
        }
        return sum(x.segment(), x.size(), squares) + ScalarReductions.sum(x, squares, bound(x.size()));
    }
}

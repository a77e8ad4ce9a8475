package dev.gatun.kernels.vector;

import dev.gatun.kernels.Check;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarSoftmax;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Softmax and softmax cross-entropy on float32 in SIMD, e^x from {@link FastExp}; float64 goes to the scalar twin.
 * Each row runs as three small passes (max, exp-and-sum, scale) that exchange only scalars: one method holding all
 * of them exceeded C2's inlining budget, left later Vector API calls un-intrinsified and allocated a boxed vector per
 * operation. Rows shorter than two vectors (10 classes) run in blocks of rows.
 */
public final class VectorSoftmax implements KernelProvider.Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;
    /** Elements per float partial sum in {@link #exponentials}: 32 per lane. */
    private static final long BLOCK = 32L * S.length();



    /** One row with its own max; returns its loss (0 for plain softmax). */
    private static double row(MemorySegment z, MemorySegment labels, MemorySegment out, long i, long cols, boolean crossEntropy) {
        long row = i * cols * BYTES;
        int y = crossEntropy ? Check.label("softmaxCrossEntropy", labels, i, cols) : -1;
        float zy = crossEntropy ? z.get(ValueLayout.JAVA_FLOAT, row + y * BYTES) : 0f;
        float max = max(z, row, cols);
        float sum = exponentials(z, out, row, cols, max);
        scale(out, row, cols, 1f / sum);
        if (!crossEntropy) {
            return 0;
        }
        long at = row + y * BYTES;
        out.set(ValueLayout.JAVA_FLOAT, at, out.get(ValueLayout.JAVA_FLOAT, at) - 1f);
        return (double) max - zy + Math.log(sum);
    }

    /*
     * Short rows (a classifier's 10 classes): row by row, a row is one full and one masked vector per pass and
     * five horizontal reductions, so lanes idle and masked stores dominate. Instead, per block of rows, the
     * vector passes run over the block as one flat run (full lanes, one max, one pass of exponentials) shifted
     * by the block's max g, and a scalar pass per row sums its few e^(z − g), scales them and takes the loss
     * g + log Σ − z_label; softmax does not depend on the shift. A row whose sum falls under 2^-64 has its
     * own max more than 44 below g, where its smaller terms would underflow: it is redone with its own max. A NaN or ±Inf in the block (g not finite) sends the whole block
     * row by row, so it spoils only its own row, as in the twin. In place (out = z) the shifted pass would
     * overwrite the logits a redone row needs, so that case stays row by row.
     */

    /** Rows shorter than this take the block path: below two vectors a row is mostly tail. */
    private static final long SHORT_ROW = 2L * S.length();
    /** Rows per block: a block of at most 16 vectors of rows × 2 vectors stays in L1 between passes. */
    private static final long BLOCK_ROWS = 16L * S.length();
    /** Below this sum (relative to the block's max) a row is redone with its own max. */
    private static final float MIN_SUM = 0x1p-64f;

    private static double shortRows(MemorySegment z, MemorySegment labels, MemorySegment out, long fromRow, long toRow,
                                    long cols, boolean crossEntropy) {
        double total = 0;
        for (long first = fromRow; first < toRow; first += BLOCK_ROWS) {
            long count = Math.min(BLOCK_ROWS, toRow - first);
            long start = first * cols * BYTES;
            float g = max(z, start, count * cols);
            if (Float.isFinite(g)) {
                exponentials(z, out, start, count * cols, g);
                total += normalize(z, labels, out, first, count, cols, g, crossEntropy);
            } else {
                for (long i = first; i < first + count; i++) {
                    total += row(z, labels, out, i, cols, crossEntropy);
                }
            }
        }
        return total;
    }

    /**
     * The scalar pass of the block path over rows [first, first + count) holding e^(z − g). The logs of the row
     * sums are taken eight at a time, of their product: each sum is in [2^-64, cols], so eight multiply within
     * double's range, and one log replaces eight.
     */
    private static double normalize(MemorySegment z, MemorySegment labels, MemorySegment out, long first, long count,
                                    long cols, float g, boolean crossEntropy) {
        double total = 0;
        double product = 1;
        int factors = 0;
        for (long i = first; i < first + count; i++) {
            long row = i * cols * BYTES;
            float sum = cols >= S.length() ? overlappedSum(out, row, cols) : shortSum(out, row, cols);
            if (!(sum >= MIN_SUM)) {
                total += row(z, labels, out, i, cols, crossEntropy);
                continue;
            }
            if (cols >= S.length()) {
                overlappedScale(out, row, cols, 1f / sum);
            } else {
                scale(out, row, cols, 1f / sum);
            }
            if (crossEntropy) {
                long at = row + Check.label("softmaxCrossEntropy", labels, i, cols) * BYTES;
                out.set(ValueLayout.JAVA_FLOAT, at, out.get(ValueLayout.JAVA_FLOAT, at) - 1f);
                total += (double) g - z.get(ValueLayout.JAVA_FLOAT, at);
                product *= sum;
                if (++factors == 8) {
                    total += Math.log(product);
                    product = 1;
                    factors = 0;
                }
            }
        }
        return total + Math.log(product);
    }

    /*
     * A row of L ≤ cols < 2L elements is two whole vectors, at its start and at its end, overlapping by 2L − cols
     * lanes: no masked load or store (vmaskmov stores are slow on AMD), one horizontal sum. The end vector's
     * first 2L − cols lanes repeat the start vector's last ones and are left out of the sum; both are loaded
     * before either is stored, so the overlap is written twice with the same value.
     */
    private static float overlappedSum(MemorySegment out, long row, long cols) {
        long end = row + (cols - S.length()) * BYTES;
        VectorMask<Float> fresh = S.indexInRange(0, (int) (2L * S.length() - cols)).not();
        FloatVector v = FloatVector.fromMemorySegment(S, out, row, O)
                .add(FloatVector.zero(S).blend(FloatVector.fromMemorySegment(S, out, end, O), fresh));
        // The Lanes fold, written out (a call with a vector argument boxes it when C2 does not inline it).
        if (Lanes.F8 != null) v = v.add(v.rearrange(Lanes.F8));
        if (Lanes.F4 != null) v = v.add(v.rearrange(Lanes.F4));
        if (Lanes.F2 != null) v = v.add(v.rearrange(Lanes.F2));
        if (Lanes.F1 != null) v = v.add(v.rearrange(Lanes.F1));
        return v.lane(0);
    }

    private static void overlappedScale(MemorySegment out, long row, long cols, float factor) {
        long end = row + (cols - S.length()) * BYTES;
        FloatVector start = FloatVector.fromMemorySegment(S, out, row, O);
        FloatVector last = FloatVector.fromMemorySegment(S, out, end, O);
        start.mul(factor).intoMemorySegment(out, row, O);
        last.mul(factor).intoMemorySegment(out, end, O);
    }

    /** A row shorter than a vector, summed in scalar float. */
    private static float shortSum(MemorySegment out, long row, long cols) {
        float sum = 0;
        for (long j = 0; j < cols; j++) {
            sum += out.get(ValueLayout.JAVA_FLOAT, row + j * BYTES);
        }
        return sum;
    }

    /**
     * The row's max; a partial last vector joins the running max, so a short row costs one horizontal reduction.
     * Four running maxima, not one: Java's max (NaN and −0 rules) is a few dependent instructions per vector,
     * and one chain of them caps the pass at a fraction of the load rate; KernelBench.softmax measures the pass.
     * Max is exact, so the result does not depend on how the lanes are grouped.
     */
    private static float max(MemorySegment z, long row, long cols) {
        long bound = S.loopBound(cols);
        long L = S.length();
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0, m2 = m0, m3 = m0;
        long j = 0;
        for (; j + 4 * L <= bound; j += 4 * L) {
            long at = row + j * BYTES;
            m0 = FloatVector.fromMemorySegment(S, z, at, O).max(m0);
            m1 = FloatVector.fromMemorySegment(S, z, at + L * BYTES, O).max(m1);
            m2 = FloatVector.fromMemorySegment(S, z, at + 2 * L * BYTES, O).max(m2);
            m3 = FloatVector.fromMemorySegment(S, z, at + 3 * L * BYTES, O).max(m3);
        }
        for (; j < bound; j += L) {
            m0 = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O).max(m0);
        }
        if (bound < cols) {
            VectorMask<Float> tail = S.indexInRange(0, (int) (cols - bound));
            FloatVector last = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
            m1 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).blend(last, tail).max(m1);
        }
        return FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).max(m0).max(m1).max(m2).max(m3)
                .reduceLanes(VectorOperators.MAX);
    }

    /**
     * Writes e^(z − max) ({@link FastExp}) and returns its sum. Lanes sum in float over blocks of {@link #BLOCK}
     * elements (at most 32 terms per lane, relative error ~1e-6 at worst), blocks in double: a plain float sum
     * of a 10^6 row drifts by ~1e-4, and Kahan compensation chained four dependent adds per vector (12 cycles),
     * which capped the loop below the exponential's own cost.
     */
    private static float exponentials(MemorySegment z, MemorySegment out, long row, long cols, float max) {
        long bound = S.loopBound(cols);
        double total = 0;
        for (long j = 0; j < bound; j += BLOCK) {
            total += exponentialsBlock(z, out, row, j, Math.min(bound, j + BLOCK), max);
        }
        if (bound < cols) {
            total += exponentialsTail(z, out, row + bound * BYTES, cols - bound, max);
        }
        return (float) total;
    }

    /** Whole vectors [from, to) of a row, summed in float: one simple loop, so C2 keeps every vector unboxed. */
    private static float exponentialsBlock(MemorySegment z, MemorySegment out, long row, long from, long to, float max) {
        FloatVector shift = FloatVector.broadcast(S, max);
        FloatVector sum = FloatVector.zero(S);
        for (long j = from; j < to; j += S.length()) {
            FloatVector e = FastExp.exp(FloatVector.fromMemorySegment(S, z, row + j * BYTES, O).sub(shift));
            e.intoMemorySegment(out, row + j * BYTES, O);
            sum = e.add(sum);
        }
        // The Lanes fold, written out (a call with a vector argument boxes it when C2 does not inline it).
        sum = (FloatVector) S.vectorType().cast(sum);
        if (Lanes.F8 != null) sum = sum.add(sum.rearrange(Lanes.F8));
        if (Lanes.F4 != null) sum = sum.add(sum.rearrange(Lanes.F4));
        if (Lanes.F2 != null) sum = sum.add(sum.rearrange(Lanes.F2));
        if (Lanes.F1 != null) sum = sum.add(sum.rearrange(Lanes.F1));
        return sum.lane(0);
    }

    /**
     * e^(z − max) for the {@code n} (fewer than a vector's) elements at byte {@code at}, stored, and their sum in
     * scalar float, left to right: FastExp's scalar twin gives the bits the vector lanes give. Not vectors: a second
     * FastExp.exp on vectors beside the loop's passed C2's node cutoff (NodeCountInliningCutoff), and the call left
     * behind boxed its vectors, per row or block (KernelAllocationTest checks).
     */
    private static float exponentialsTail(MemorySegment z, MemorySegment out, long at, long n, float max) {
        float sum = 0;
        for (long j = 0; j < n; j++) {
            float e = FastExp.exp(z.get(ValueLayout.JAVA_FLOAT, at + j * BYTES) - max);
            out.set(ValueLayout.JAVA_FLOAT, at + j * BYTES, e);
            sum += e;
        }
        return sum;
    }

    private static void scale(MemorySegment out, long row, long cols, float factor) {
        long bound = S.loopBound(cols);
        for (long j = 0; j < bound; j += S.length()) {
            FloatVector.fromMemorySegment(S, out, row + j * BYTES, O).mul(factor).intoMemorySegment(out, row + j * BYTES, O);
        }
        if (bound < cols) {
            VectorMask<Float> tail = S.indexInRange(0, (int) (cols - bound));
            FloatVector.fromMemorySegment(S, out, row + bound * BYTES, O, tail).mul(factor)
                    .intoMemorySegment(out, row + bound * BYTES, O, tail);
        }
    }

    /**
     * Row-wise softmax.
     * The loop sits in this public method rather than in a static helper it calls: one call level less between a
     * caller and the Vector API's own ten or so, under C2's inlining depth of 15 (MaxInlineLevel).
     */
    @Override
    public void softmax(Tensor Z, Tensor P) {
        if (Z.dtype() != DType.F32) {
            ScalarSoftmax.rows(Z, null, P, false);
            return;
        }
        MemorySegment z = Z.segment();
        MemorySegment out = P.segment();
        long cols = Z.cols();
        if (cols < SHORT_ROW && z.address() != out.address()) {
            shortRows(z, null, out, 0, Z.rows(), cols, false);
            return;
        }
        for (long i = 0; i < Z.rows(); i++) {
            row(z, null, out, i, cols, false);
        }
    }

    /** Softmax cross-entropy over rows [fromRow, toRow); the body sits here for the reason given at {@link #softmax}. */
    @Override
    public double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ, long fromRow, long toRow) {
        if (Z.dtype() != DType.F32) {
            return ScalarSoftmax.rows(Z, labels, dZ, true, fromRow, toRow);
        }
        MemorySegment z = Z.segment();
        MemorySegment out = dZ.segment();
        long cols = Z.cols();
        if (cols < SHORT_ROW && z.address() != out.address()) {
            return shortRows(z, labels, out, fromRow, toRow, cols, true);
        }
        double total = 0;
        for (long i = fromRow; i < toRow; i++) {
            total += row(z, labels, out, i, cols, true);
        }
        return total;
    }

    /** Short rows out of place sum their losses per block of rows (each block shifted by its own max); others per row. */
    @Override
    public long rowBlock(Tensor Z, Tensor dZ) {
        boolean blocks = Z.dtype() == DType.F32 && Z.cols() < SHORT_ROW
                && Z.segment().address() != dZ.segment().address();
        return blocks ? BLOCK_ROWS : 1;
    }
}

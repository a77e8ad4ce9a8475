package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Row-wise softmax, and softmax fused with cross-entropy: per row, one max, one pass that writes
 * {@code e^(z − max)} and sums it, one pass that scales it to ŷ and subtracts 1 at the label, giving
 * {@code dZ = ŷ − y} and the loss {@code log Σ e^z − z_label = max + log Σ e^(z − max) − z_label}. Shifting
 * by the row's max keeps every exponent ≤ 0, so logits of ±1000 give finite losses and gradients.
 * A row's later passes hit L1, so memory sees one read of Z and one write of dZ. Rows shorter than two
 * vectors (10 classes) run in blocks of rows (see F32). float32 takes e^x from {@link FastExp}.
 */
public final class SoftmaxKernels {
    private SoftmaxKernels() {}

    /** {@code P = softmax(Z)} row by row. P may be Z. */
    public static void softmax(Tensor Z, Tensor P) {
        checkSoftmax(Z, P);
        if (!Vectorization.ENABLED) {
            scalarRows(Z, null, P, false);
        } else if (Z.dtype() == DType.F32) {
            F32.rows(Z.segment(), null, P.segment(), Z.rows(), Z.cols(), false);
        } else {
            F64.rows(Z.segment(), null, P.segment(), Z.rows(), Z.cols(), false);
        }
    }

    public static void scalarSoftmax(Tensor Z, Tensor P) {
        checkSoftmax(Z, P);
        scalarRows(Z, null, P, false);
    }

    /**
     * Σ over rows of {@code −log softmax(Z)[label]} (a sum: the caller divides by m) and {@code dZ = softmax(Z) − onehot}.
     * Labels are int32 class indices, one per row; one outside [0, C) throws. dZ may be Z.
     */
    public static double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
        checkCrossEntropy(Z, labels, dZ);
        if (!Vectorization.ENABLED) {
            return scalarRows(Z, labels, dZ, true);
        }
        return Z.dtype() == DType.F32
                ? F32.rows(Z.segment(), labels, dZ.segment(), Z.rows(), Z.cols(), true)
                : F64.rows(Z.segment(), labels, dZ.segment(), Z.rows(), Z.cols(), true);
    }

    public static double scalarSoftmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
        checkCrossEntropy(Z, labels, dZ);
        return scalarRows(Z, labels, dZ, true);
    }

    private static void checkSoftmax(Tensor Z, Tensor P) {
        Check.usable("softmax", "Z", Z);
        Check.like("softmax", Z, "Z", P, "P");
        Check.sameOrDisjoint("softmax", P, "P", Z, "Z");
    }

    private static void checkCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
        String op = "softmaxCrossEntropy";
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", Z, "Z");
        Check.labels(op, labels, Z.rows());
    }

    private static double scalarRows(Tensor Z, MemorySegment labels, Tensor out, boolean crossEntropy) {
        long cols = Z.cols();
        double total = 0;
        for (long i = 0; i < Z.rows(); i++) {
            long row = i * cols;
            int y = crossEntropy ? Check.label("softmaxCrossEntropy", labels, i, cols) : -1;
            double zy = crossEntropy ? Z.get(row + y) : 0;
            double max = Double.NEGATIVE_INFINITY;
            for (long j = 0; j < cols; j++) {
                max = Math.max(max, Z.get(row + j));
            }
            double sum = 0;
            for (long j = 0; j < cols; j++) {
                sum += Math.exp(Z.get(row + j) - max);
            }
            for (long j = 0; j < cols; j++) {
                out.set(row + j, Math.exp(Z.get(row + j) - max) / sum - (j == y ? 1 : 0));
            }
            total += crossEntropy ? max + Math.log(sum) - zy : 0;
        }
        return total;
    }

    /*
     * Each row runs as three small passes (max, exp-and-sum, scale) that exchange only scalars: one method holding
     * all of them exceeded C2's inlining budget, left later Vector API calls un-intrinsified and allocated a
     * boxed vector per operation.
     */
    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;
        /** Elements per float partial sum in {@link #exponentials}: 32 per lane. */
        private static final long BLOCK = 32L * S.length();

        private F32() {}

        static double rows(MemorySegment z, MemorySegment labels, MemorySegment out, long rows, long cols, boolean crossEntropy) {
            if (cols < SHORT_ROW && z.address() != out.address()) {
                return shortRows(z, labels, out, rows, cols, crossEntropy);
            }
            double total = 0;
            for (long i = 0; i < rows; i++) {
                total += row(z, labels, out, i, cols, crossEntropy);
            }
            return total;
        }

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

        private static double shortRows(MemorySegment z, MemorySegment labels, MemorySegment out, long rows, long cols,
                                        boolean crossEntropy) {
            double total = 0;
            for (long first = 0; first < rows; first += BLOCK_ROWS) {
                long count = Math.min(BLOCK_ROWS, rows - first);
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
            FloatVector start = FloatVector.fromMemorySegment(S, out, row, O);
            return Lanes.sum(start.add(FloatVector.zero(S).blend(FloatVector.fromMemorySegment(S, out, end, O), fresh)));
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
         * and one chain of them capped the pass at a fraction of the load rate (1000-wide rows: the whole softmax
         * ran 1.4× faster with four in a throwaway timing loop, 2026-12-01; KernelBench.softmax is the benchmark). Max is exact, so the result does not depend on how the lanes are grouped.
         */
        private static float max(MemorySegment z, long row, long cols) {
            long bound = S.loopBound(cols);
            long L = S.length();
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector m1 = m0, m2 = m0, m3 = m0;
            long j = 0;
            for (; j + 4 * L <= bound; j += 4 * L) {
                long at = row + j * BYTES;
                m0 = m0.max(FloatVector.fromMemorySegment(S, z, at, O));
                m1 = m1.max(FloatVector.fromMemorySegment(S, z, at + L * BYTES, O));
                m2 = m2.max(FloatVector.fromMemorySegment(S, z, at + 2 * L * BYTES, O));
                m3 = m3.max(FloatVector.fromMemorySegment(S, z, at + 3 * L * BYTES, O));
            }
            for (; j < bound; j += L) {
                m0 = m0.max(FloatVector.fromMemorySegment(S, z, row + j * BYTES, O));
            }
            if (bound < cols) {
                VectorMask<Float> tail = S.indexInRange(0, (int) (cols - bound));
                FloatVector last = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
                m1 = m1.max(FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).blend(last, tail));
            }
            return m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
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
                exponentialsTail(z, out, row, bound, cols, max);
                total += tailSum(out, row + bound * BYTES, cols - bound);
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
                sum = sum.add(e);
            }
            return Lanes.sum(sum);
        }

        /** The masked last vector, in its own method: a second FastExp.exp inlined above may pass C2's node cutoff. */
        private static void exponentialsTail(MemorySegment z, MemorySegment out, long row, long bound, long cols, float max) {
            VectorMask<Float> tail = S.indexInRange(0, (int) (cols - bound));
            long at = row + bound * BYTES;
            FastExp.exp(FloatVector.fromMemorySegment(S, z, at, O, tail).sub(max)).intoMemorySegment(out, at, O, tail);
        }

        /**
         * The sum of the {@code n} (fewer than a vector's) stored tail values, in scalar float, left to right. Not a
         * vector in {@link #exponentialsTail}: after FastExp.exp, Lanes.sum no longer inlined there (C2's
         * NodeCountInliningCutoff) and its argument was boxed; nor a masked reload: where the tail ends the segment
         * (a block of short rows), the masked load takes its per-lane bounds check, which C2 left un-inlined here,
         * and that boxed the mask. Both allocated per row or block (16 lanes; KernelAllocationTest).
         */
        private static float tailSum(MemorySegment out, long at, long n) {
            float sum = 0;
            for (long j = 0; j < n; j++) {
                sum += out.get(ValueLayout.JAVA_FLOAT, at + j * BYTES);
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
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static double rows(MemorySegment z, MemorySegment labels, MemorySegment out, long rows, long cols, boolean crossEntropy) {
            double total = 0;
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                int y = crossEntropy ? Check.label("softmaxCrossEntropy", labels, i, cols) : -1;
                double zy = crossEntropy ? z.get(ValueLayout.JAVA_DOUBLE, row + y * BYTES) : 0.0;
                double max = max(z, row, cols);
                double sum = exponentials(z, out, row, cols, max);
                scale(out, row, cols, 1.0 / sum);
                if (crossEntropy) {
                    long at = row + y * BYTES;
                    out.set(ValueLayout.JAVA_DOUBLE, at, out.get(ValueLayout.JAVA_DOUBLE, at) - 1.0);
                    total += max - zy + Math.log(sum);
                }
            }
            return total;
        }

        private static double max(MemorySegment z, long row, long cols) {
            long bound = S.loopBound(cols);
            DoubleVector vmax = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
            for (long j = 0; j < bound; j += S.length()) {
                vmax = vmax.max(DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O));
            }
            double max = vmax.reduceLanes(VectorOperators.MAX);
            if (bound < cols) {
                VectorMask<Double> tail = S.indexInRange(bound, cols);
                max = Math.max(max, DoubleVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail).reduceLanes(VectorOperators.MAX, tail));
            }
            return max;
        }

        private static double exponentials(MemorySegment z, MemorySegment out, long row, long cols, double max) {
            long bound = S.loopBound(cols);
            DoubleVector sum = DoubleVector.zero(S);
            for (long j = 0; j < bound; j += S.length()) {
                DoubleVector e = DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(out, row + j * BYTES, O);
                sum = sum.add(e);
            }
            double total = Lanes.sum(sum);
            if (bound < cols) {
                VectorMask<Double> tail = S.indexInRange(bound, cols);
                DoubleVector e = DoubleVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(out, row + bound * BYTES, O, tail);
                total += Lanes.sum(DoubleVector.zero(S).blend(e, tail));
            }
            return total;
        }

        private static void scale(MemorySegment out, long row, long cols, double factor) {
            long bound = S.loopBound(cols);
            for (long j = 0; j < bound; j += S.length()) {
                DoubleVector.fromMemorySegment(S, out, row + j * BYTES, O).mul(factor).intoMemorySegment(out, row + j * BYTES, O);
            }
            if (bound < cols) {
                VectorMask<Double> tail = S.indexInRange(bound, cols);
                DoubleVector.fromMemorySegment(S, out, row + bound * BYTES, O, tail).mul(factor)
                        .intoMemorySegment(out, row + bound * BYTES, O, tail);
            }
        }
    }
}

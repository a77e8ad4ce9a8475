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
 * A row's later passes hit L1, so memory sees one read of Z and one write of dZ. Rows shorter than a
 * vector (10 classes) are one masked vector each.
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

        private F32() {}

        static double rows(MemorySegment z, MemorySegment labels, MemorySegment out, long rows, long cols, boolean crossEntropy) {
            double total = 0;
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                int y = crossEntropy ? Check.label("softmaxCrossEntropy", labels, i, cols) : -1;
                float zy = crossEntropy ? z.get(ValueLayout.JAVA_FLOAT, row + y * BYTES) : 0f;
                float max = max(z, row, cols);
                float sum = exponentials(z, out, row, cols, max);
                scale(out, row, cols, 1f / sum);
                if (crossEntropy) {
                    long at = row + y * BYTES;
                    out.set(ValueLayout.JAVA_FLOAT, at, out.get(ValueLayout.JAVA_FLOAT, at) - 1f);
                    total += (double) max - zy + Math.log(sum);
                }
            }
            return total;
        }

        private static float max(MemorySegment z, long row, long cols) {
            long bound = S.loopBound(cols);
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (long j = 0; j < bound; j += S.length()) {
                vmax = vmax.max(FloatVector.fromMemorySegment(S, z, row + j * BYTES, O));
            }
            float max = vmax.reduceLanes(VectorOperators.MAX);
            if (bound < cols) {
                VectorMask<Float> tail = S.indexInRange(bound, cols);
                max = Math.max(max, FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail).reduceLanes(VectorOperators.MAX, tail));
            }
            return max;
        }

        /**
         * Writes e^(z − max) and returns its sum, in compensated (Kahan) lanes: a plain float sum of a long row
         * drifts by ~1e-4 relative at 10^6 elements; the three extra adds hide behind the exponential.
         */
        private static float exponentials(MemorySegment z, MemorySegment out, long row, long cols, float max) {
            long bound = S.loopBound(cols);
            FloatVector sum = FloatVector.zero(S);
            FloatVector lost = FloatVector.zero(S);
            for (long j = 0; j < bound; j += S.length()) {
                FloatVector e = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(out, row + j * BYTES, O);
                FloatVector corrected = e.sub(lost);
                FloatVector t = sum.add(corrected);
                lost = t.sub(sum).sub(corrected);
                sum = t;
            }
            float total = sum.reduceLanes(VectorOperators.ADD) - lost.reduceLanes(VectorOperators.ADD);
            if (bound < cols) {
                VectorMask<Float> tail = S.indexInRange(bound, cols);
                FloatVector e = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(out, row + bound * BYTES, O, tail);
                total += e.reduceLanes(VectorOperators.ADD, tail);
            }
            return total;
        }

        private static void scale(MemorySegment out, long row, long cols, float factor) {
            long bound = S.loopBound(cols);
            for (long j = 0; j < bound; j += S.length()) {
                FloatVector.fromMemorySegment(S, out, row + j * BYTES, O).mul(factor).intoMemorySegment(out, row + j * BYTES, O);
            }
            if (bound < cols) {
                VectorMask<Float> tail = S.indexInRange(bound, cols);
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
            double total = sum.reduceLanes(VectorOperators.ADD);
            if (bound < cols) {
                VectorMask<Double> tail = S.indexInRange(bound, cols);
                DoubleVector e = DoubleVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(out, row + bound * BYTES, O, tail);
                total += e.reduceLanes(VectorOperators.ADD, tail);
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

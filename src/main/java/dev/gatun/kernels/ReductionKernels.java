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
 * Sums: per column ({@code db = (1/m)·Σ_rows dZ}) and over a whole tensor (the squared Frobenius and L1 norms
 * the regularizers add to the cost). Column sums walk one vector-wide block of columns down all rows with the
 * sum in a register, so each element is read once and the output written once; the last block is masked,
 * which also covers matrices narrower than a vector (10 classes).
 */
public final class ReductionKernels {
    private ReductionKernels() {}

    /** {@code out[j] = scale · Σ_i X[i, j]}. */
    public static void columnSums(Tensor X, double scale, Tensor out) {
        checkColumnSums(X, out);
        if (!Vectorization.ENABLED) {
            scalarColumnSums(X, scale, out, 0);
        } else if (X.dtype() == DType.F32) {
            F32.columnSums(X.segment(), X.rows(), X.cols(), (float) scale, out.segment());
        } else {
            F64.columnSums(X.segment(), X.rows(), X.cols(), scale, out.segment());
        }
    }

    public static void scalarColumnSums(Tensor X, double scale, Tensor out) {
        checkColumnSums(X, out);
        scalarColumnSums(X, scale, out, 0);
    }

    /** {@code Σ x²} (the squared Frobenius norm of a matrix). */
    public static double sumSquares(Tensor x) {
        Check.usable("sumSquares", "x", x);
        if (!Vectorization.ENABLED) {
            return scalarSum(x, true, 0);
        }
        return x.dtype() == DType.F32
                ? F32.sum(x.segment(), x.size(), true) + scalarSum(x, true, F32.bound(x.size()))
                : F64.sum(x.segment(), x.size(), true) + scalarSum(x, true, F64.bound(x.size()));
    }

    public static double scalarSumSquares(Tensor x) {
        Check.usable("sumSquares", "x", x);
        return scalarSum(x, true, 0);
    }

    /** {@code Σ |x|} (the L1 norm). */
    public static double sumAbs(Tensor x) {
        Check.usable("sumAbs", "x", x);
        if (!Vectorization.ENABLED) {
            return scalarSum(x, false, 0);
        }
        return x.dtype() == DType.F32
                ? F32.sum(x.segment(), x.size(), false) + scalarSum(x, false, F32.bound(x.size()))
                : F64.sum(x.segment(), x.size(), false) + scalarSum(x, false, F64.bound(x.size()));
    }

    public static double scalarSumAbs(Tensor x) {
        Check.usable("sumAbs", "x", x);
        return scalarSum(x, false, 0);
    }

    private static void checkColumnSums(Tensor X, Tensor out) {
        Check.usable("columnSums", "X", X);
        Check.perColumn("columnSums", X, "X", out, "out");
        Check.sameOrDisjoint("columnSums", out, "out", X, "X");
        if (out.segment().address() == X.segment().address() && X.rows() > 1) {
            throw new IllegalArgumentException("columnSums: out " + out.shapeString() + " must not alias X " + X.shapeString());
        }
    }

    private static void scalarColumnSums(Tensor X, double scale, Tensor out, long from) {
        long cols = X.cols();
        for (long j = from; j < cols; j++) {
            double sum = 0;
            for (long i = 0; i < X.rows(); i++) {
                sum += X.get(i * cols + j);
            }
            out.set(j, scale * sum);
        }
    }

    private static double scalarSum(Tensor x, boolean squares, long from) {
        double sum = 0;
        for (long k = from; k < x.size(); k++) {
            double v = x.get(k);
            sum += squares ? v * v : Math.abs(v);
        }
        return sum;
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        static long bound(long n) {
            return S.loopBound(n);
        }

        static void columnSums(MemorySegment x, long rows, long cols, float scale, MemorySegment out) {
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Float> block = S.indexInRange(j, cols);
                FloatVector sum = FloatVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(FloatVector.fromMemorySegment(S, x, (i * cols + j) * BYTES, O, block));
                }
                sum.mul(scale).intoMemorySegment(out, j * BYTES, O, block);
            }
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
                s0 = squares ? v0.fma(v0, s0) : s0.add(v0.abs());
                s1 = squares ? v1.fma(v1, s1) : s1.add(v1.abs());
                s2 = squares ? v2.fma(v2, s2) : s2.add(v2.abs());
                s3 = squares ? v3.fma(v3, s3) : s3.add(v3.abs());
            }
            for (; k < bound(n); k += step) {
                FloatVector v = FloatVector.fromMemorySegment(S, x, k * BYTES, O);
                s0 = squares ? v.fma(v, s0) : s0.add(v.abs());
            }
            return (double) Lanes.sum(s0.add(s1)) + Lanes.sum(s2.add(s3));
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static long bound(long n) {
            return S.loopBound(n);
        }

        static void columnSums(MemorySegment x, long rows, long cols, double scale, MemorySegment out) {
            for (long j = 0; j < cols; j += S.length()) {
                VectorMask<Double> block = S.indexInRange(j, cols);
                DoubleVector sum = DoubleVector.zero(S);
                for (long i = 0; i < rows; i++) {
                    sum = sum.add(DoubleVector.fromMemorySegment(S, x, (i * cols + j) * BYTES, O, block));
                }
                sum.mul(scale).intoMemorySegment(out, j * BYTES, O, block);
            }
        }

        static double sum(MemorySegment x, long n, boolean squares) {
            DoubleVector s0 = DoubleVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            long step = S.length();
            long k = 0;
            for (; k + 4 * step <= n; k += 4 * step) {
                DoubleVector v0 = DoubleVector.fromMemorySegment(S, x, k * BYTES, O);
                DoubleVector v1 = DoubleVector.fromMemorySegment(S, x, (k + step) * BYTES, O);
                DoubleVector v2 = DoubleVector.fromMemorySegment(S, x, (k + 2 * step) * BYTES, O);
                DoubleVector v3 = DoubleVector.fromMemorySegment(S, x, (k + 3 * step) * BYTES, O);
                s0 = squares ? v0.fma(v0, s0) : s0.add(v0.abs());
                s1 = squares ? v1.fma(v1, s1) : s1.add(v1.abs());
                s2 = squares ? v2.fma(v2, s2) : s2.add(v2.abs());
                s3 = squares ? v3.fma(v3, s3) : s3.add(v3.abs());
            }
            for (; k < bound(n); k += step) {
                DoubleVector v = DoubleVector.fromMemorySegment(S, x, k * BYTES, O);
                s0 = squares ? v.fma(v, s0) : s0.add(v.abs());
            }
            return Lanes.sum(s0.add(s1).add(s2.add(s3)));
        }
    }
}

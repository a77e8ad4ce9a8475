package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The regularizers' share of dW, added in place after the sgemm wrote {@code (1/m)·dZᵀ·A_prev}:
 * L2 {@code dW += (λ/m)·W}, L1 {@code dW += (λ/2m)·sign(W)} (DESIGN §3; sign(0) = 0). Their cost terms are
 * {@link ReductionKernels#sumSquares} and {@link ReductionKernels#sumAbs}.
 */
public final class RegularizationKernels {
    private RegularizationKernels() {}

    /** {@code dW += c·W}. */
    public static void addScaled(Tensor dW, Tensor W, double c) {
        check("addScaled", dW, W);
        if (!Vectorization.ENABLED) {
            scalarAdd(dW, W, c, false, 0);
        } else if (W.dtype() == DType.F32) {
            scalarAdd(dW, W, c, false, F32.add(dW.segment(), W.segment(), W.size(), (float) c, false));
        } else {
            scalarAdd(dW, W, c, false, F64.add(dW.segment(), W.segment(), W.size(), c, false));
        }
    }

    public static void scalarAddScaled(Tensor dW, Tensor W, double c) {
        check("addScaled", dW, W);
        scalarAdd(dW, W, c, false, 0);
    }

    /** {@code dW += c·sign(W)}. */
    public static void addScaledSign(Tensor dW, Tensor W, double c) {
        check("addScaledSign", dW, W);
        if (!Vectorization.ENABLED) {
            scalarAdd(dW, W, c, true, 0);
        } else if (W.dtype() == DType.F32) {
            scalarAdd(dW, W, c, true, F32.add(dW.segment(), W.segment(), W.size(), (float) c, true));
        } else {
            scalarAdd(dW, W, c, true, F64.add(dW.segment(), W.segment(), W.size(), c, true));
        }
    }

    public static void scalarAddScaledSign(Tensor dW, Tensor W, double c) {
        check("addScaledSign", dW, W);
        scalarAdd(dW, W, c, true, 0);
    }

    private static void check(String op, Tensor dW, Tensor W) {
        Check.usable(op, "W", W);
        Check.like(op, W, "W", dW, "dW");
        Check.sameOrDisjoint(op, dW, "dW", W, "W");
    }

    private static void scalarAdd(Tensor dW, Tensor W, double c, boolean sign, long from) {
        for (long k = from; k < W.size(); k++) {
            double w = W.get(k);
            dW.set(k, dW.get(k) + c * (sign ? Math.signum(w) : w));
        }
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        /** Whole vectors; returns where the scalar tail starts. */
        static long add(MemorySegment dW, MemorySegment W, long n, float c, boolean sign) {
            long bound = S.loopBound(n);
            FloatVector zero = FloatVector.zero(S);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                FloatVector w = FloatVector.fromMemorySegment(S, W, off, O);
                FloatVector g = FloatVector.fromMemorySegment(S, dW, off, O);
                if (sign) {
                    w = zero.blend(1f, w.compare(VectorOperators.GT, 0f)).blend(-1f, w.compare(VectorOperators.LT, 0f));
                }
                g.add(w.mul(c)).intoMemorySegment(dW, off, O);
            }
            return bound;
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static long add(MemorySegment dW, MemorySegment W, long n, double c, boolean sign) {
            long bound = S.loopBound(n);
            DoubleVector zero = DoubleVector.zero(S);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                DoubleVector w = DoubleVector.fromMemorySegment(S, W, off, O);
                DoubleVector g = DoubleVector.fromMemorySegment(S, dW, off, O);
                if (sign) {
                    w = zero.blend(1.0, w.compare(VectorOperators.GT, 0.0)).blend(-1.0, w.compare(VectorOperators.LT, 0.0));
                }
                g.add(w.mul(c)).intoMemorySegment(dW, off, O);
            }
            return bound;
        }
    }
}

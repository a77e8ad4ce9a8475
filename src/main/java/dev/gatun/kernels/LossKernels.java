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
 * Elementwise losses with their output gradient, one pass each; they return the sum over every element (the
 * caller divides by m). Binary cross-entropy works from the logits,
 * {@code L = max(z, 0) − z·y + log(1 + e^(−|z|))}, which equals {@code −(y·log σ(z) + (1−y)·log(1−σ(z)))} but never
 * takes log 0; {@code dZ = σ(z) − y}, with σ from the same {@code e^(−|z|)}. Squared error is
 * {@code L = ½(ŷ − y)²}, {@code dZ = ŷ − y}.
 */
public final class LossKernels {
    private LossKernels() {}

    /** Σ binary cross-entropy of logits Z against targets Y; writes dZ = σ(Z) − Y. dZ may be Z. */
    public static double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ) {
        check("sigmoidCrossEntropy", Z, Y, dZ);
        if (!Vectorization.ENABLED) {
            return scalarSigmoidCrossEntropy(Z, Y, dZ, 0);
        }
        long n = Z.size();
        return Z.dtype() == DType.F32
                ? F32.sigmoidCrossEntropy(Z.segment(), Y.segment(), dZ.segment(), n) + scalarSigmoidCrossEntropy(Z, Y, dZ, F32.bound(n))
                : F64.sigmoidCrossEntropy(Z.segment(), Y.segment(), dZ.segment(), n) + scalarSigmoidCrossEntropy(Z, Y, dZ, F64.bound(n));
    }

    public static double scalarSigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ) {
        check("sigmoidCrossEntropy", Z, Y, dZ);
        return scalarSigmoidCrossEntropy(Z, Y, dZ, 0);
    }

    /** Σ ½(Yhat − Y)²; writes dZ = Yhat − Y. dZ may be Yhat. */
    public static double squaredError(Tensor Yhat, Tensor Y, Tensor dZ) {
        check("squaredError", Yhat, Y, dZ);
        if (!Vectorization.ENABLED) {
            return scalarSquaredError(Yhat, Y, dZ, 0);
        }
        long n = Yhat.size();
        return Yhat.dtype() == DType.F32
                ? F32.squaredError(Yhat.segment(), Y.segment(), dZ.segment(), n) + scalarSquaredError(Yhat, Y, dZ, F32.bound(n))
                : F64.squaredError(Yhat.segment(), Y.segment(), dZ.segment(), n) + scalarSquaredError(Yhat, Y, dZ, F64.bound(n));
    }

    public static double scalarSquaredError(Tensor Yhat, Tensor Y, Tensor dZ) {
        check("squaredError", Yhat, Y, dZ);
        return scalarSquaredError(Yhat, Y, dZ, 0);
    }

    private static void check(String op, Tensor Z, Tensor Y, Tensor dZ) {
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", Y, "Y");
        Check.like(op, Z, "Z", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", Z, "Z");
        Check.sameOrDisjoint(op, dZ, "dZ", Y, "Y");
    }

    /** The twin, and the vector bodies' tail from {@code from}. */
    private static double scalarSigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ, long from) {
        double total = 0;
        for (long k = from; k < Z.size(); k++) {
            double z = Z.get(k);
            double y = Y.get(k);
            total += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
            dZ.set(k, 1.0 / (1.0 + Math.exp(-z)) - y);
        }
        return total;
    }

    private static double scalarSquaredError(Tensor Yhat, Tensor Y, Tensor dZ, long from) {
        double total = 0;
        for (long k = from; k < Yhat.size(); k++) {
            double d = Yhat.get(k) - Y.get(k);
            total += 0.5 * d * d;
            dZ.set(k, d);
        }
        return total;
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        static long bound(long n) {
            return S.loopBound(n);
        }

        static double sigmoidCrossEntropy(MemorySegment z, MemorySegment y, MemorySegment dz, long n) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector total = FloatVector.zero(S);
            for (long k = 0; k < bound(n); k += S.length()) {
                long off = k * BYTES;
                FloatVector vz = FloatVector.fromMemorySegment(S, z, off, O);
                FloatVector vy = FloatVector.fromMemorySegment(S, y, off, O);
                FloatVector e = FastExp.exp(vz.abs().neg());
                total = total.add(vz.max(0f).sub(vz.mul(vy)).add(e.lanewise(VectorOperators.LOG1P)));
                FloatVector r = one.div(e.add(1f));
                r.blend(e.mul(r), vz.compare(VectorOperators.LT, 0f)).sub(vy).intoMemorySegment(dz, off, O);
            }
            // reduceLanes, not Lanes.sum: only the reported loss depends on this order (dZ does not), LOG1P is
            // SVML-backed once compiled anyway, and the fixed-order fold pushed this method past C2's inlining
            // budget (64 B boxed per call, ModelTest).
            return total.reduceLanes(VectorOperators.ADD);
        }

        static double squaredError(MemorySegment yhat, MemorySegment y, MemorySegment dz, long n) {
            FloatVector total = FloatVector.zero(S);
            for (long k = 0; k < bound(n); k += S.length()) {
                long off = k * BYTES;
                FloatVector d = FloatVector.fromMemorySegment(S, yhat, off, O).sub(FloatVector.fromMemorySegment(S, y, off, O));
                d.intoMemorySegment(dz, off, O);
                total = d.fma(d, total);
            }
            return 0.5 * total.reduceLanes(VectorOperators.ADD);
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

        static double sigmoidCrossEntropy(MemorySegment z, MemorySegment y, MemorySegment dz, long n) {
            DoubleVector one = DoubleVector.broadcast(S, 1.0);
            DoubleVector total = DoubleVector.zero(S);
            for (long k = 0; k < bound(n); k += S.length()) {
                long off = k * BYTES;
                DoubleVector vz = DoubleVector.fromMemorySegment(S, z, off, O);
                DoubleVector vy = DoubleVector.fromMemorySegment(S, y, off, O);
                DoubleVector e = vz.abs().neg().lanewise(VectorOperators.EXP);
                total = total.add(vz.max(0.0).sub(vz.mul(vy)).add(e.lanewise(VectorOperators.LOG1P)));
                DoubleVector r = one.div(e.add(1.0));
                r.blend(e.mul(r), vz.compare(VectorOperators.LT, 0.0)).sub(vy).intoMemorySegment(dz, off, O);
            }
            return total.reduceLanes(VectorOperators.ADD);
        }

        static double squaredError(MemorySegment yhat, MemorySegment y, MemorySegment dz, long n) {
            DoubleVector total = DoubleVector.zero(S);
            for (long k = 0; k < bound(n); k += S.length()) {
                long off = k * BYTES;
                DoubleVector d = DoubleVector.fromMemorySegment(S, yhat, off, O).sub(DoubleVector.fromMemorySegment(S, y, off, O));
                d.intoMemorySegment(dz, off, O);
                total = d.fma(d, total);
            }
            return 0.5 * total.reduceLanes(VectorOperators.ADD);
        }
    }
}

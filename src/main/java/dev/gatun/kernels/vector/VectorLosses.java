package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarLosses;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** The elementwise losses on float32 in SIMD, whole vectors; the scalar twin takes the tail and float64. */
public final class VectorLosses implements KernelProvider.Losses {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;


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
            total = vz.max(0f).sub(vz.mul(vy)).add(e.lanewise(VectorOperators.LOG1P)).add(total);
            FloatVector r = one.div(e.add(1f));
            r.blend(e.mul(r), vz.compare(VectorOperators.LT, 0f)).sub(vy).intoMemorySegment(dz, off, O);
        }
        // reduceLanes, not the Lanes fold: only the reported loss depends on this order (dZ does not), LOG1P is
        // SVML-backed once compiled anyway, and the fold's extra nodes push this method towards C2's inlining
        // budget, past which a vector gets boxed on every call (ModelTest's allocation check).
        return ((FloatVector) S.vectorType().cast(total)).reduceLanes(VectorOperators.ADD);
    }

    static double squaredError(MemorySegment yhat, MemorySegment y, MemorySegment dz, long n) {
        FloatVector total = FloatVector.zero(S);
        for (long k = 0; k < bound(n); k += S.length()) {
            long off = k * BYTES;
            FloatVector d = FloatVector.fromMemorySegment(S, yhat, off, O).sub(FloatVector.fromMemorySegment(S, y, off, O));
            d.intoMemorySegment(dz, off, O);
            total = d.fma(d, total);
        }
        return 0.5 * ((FloatVector) S.vectorType().cast(total)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ) {
        if (Z.dtype() != DType.F32) {
            return ScalarLosses.sigmoidCrossEntropy(Z, Y, dZ, 0);
        }
        long n = Z.size();
        return sigmoidCrossEntropy(Z.segment(), Y.segment(), dZ.segment(), n) + ScalarLosses.sigmoidCrossEntropy(Z, Y, dZ, bound(n));
    }

    @Override
    public double squaredError(Tensor Yhat, Tensor Y, Tensor dZ) {
        if (Yhat.dtype() != DType.F32) {
            return ScalarLosses.squaredError(Yhat, Y, dZ, 0);
        }
        long n = Yhat.size();
        return squaredError(Yhat.segment(), Y.segment(), dZ.segment(), n) + ScalarLosses.squaredError(Yhat, Y, dZ, bound(n));
    }
}

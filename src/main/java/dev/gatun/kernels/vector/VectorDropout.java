package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarDropout;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Inverted dropout on float32 in SIMD, a whole vector of keep decisions per step; the scalar twin takes the tail and float64. */
public final class VectorDropout implements KernelProvider.Dropout {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(S.length() * Integer.SIZE));
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;

    @Override
    public void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D, long from, long to) {
        long done = A.dtype() == DType.F32 ? forward(A.segment(), 0, from, to, keepProb, key, M.segment(), D.segment()) : from;
        ScalarDropout.forwardRange(A, keepProb, key, M, D, done, to);
    }

    @Override
    public void forwardRow(Tensor A, long row, double keepProb, long key, Tensor M, Tensor D) {
        long done = A.dtype() == DType.F32
                ? forward(A.segment(), row * A.cols() * BYTES, 0, A.cols(), keepProb, key, M.segment(), D.segment()) : 0;
        ScalarDropout.forwardRow(A, row, keepProb, key, M, D, done);
    }

    /**
     * Whole vectors of mask and output for the elements hashed as indices [from, to), element k at byte
     * {@code base + 4k}; returns where the scalar tail starts.
     */
    static long forward(MemorySegment a, long base, long from, long to, double keepProb, long key, MemorySegment mask,
                        MemorySegment d) {
        long bound = from + S.loopBound(to - from);
        if (bound == from) {
            // Fewer elements than one vector holds (a narrow layer's row): no vector is made, since one made but never
            // used in a loop C2 compiled away can stay boxed, an allocation per call.
            return from;
        }
        FloatVector zero = FloatVector.zero(S);
        float scale = (float) (1.0 / keepProb);
        int threshold = ScalarDropout.threshold(keepProb);
        int low = (int) key;
        int high = (int) (key >>> 32);
        for (long k = from; k < bound; k += S.length()) {
            long off = base + k * BYTES;
            // The hash of indices k, k+1, ...: mix(mix(index ^ low) + high), written out (see ScalarDropout.hash) because a
            // helper returning a vector would box it.
            IntVector h = IntVector.zero(I).addIndex(1).add((int) k).lanewise(VectorOperators.XOR, low);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).add(high);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
            FloatVector m = zero.blend(scale, h.lanewise(VectorOperators.LSHR, 8).compare(VectorOperators.LT, threshold).cast(S));
            m.intoMemorySegment(mask, off, O);
            FloatVector.fromMemorySegment(S, a, off, O).mul(m).intoMemorySegment(d, off, O);
        }
        return bound;
    }

    @Override
    public void backward(Tensor dD, Tensor M, Tensor dA, long from, long to) {
        long done = from;
        if (dD.dtype() == DType.F32) {
            MemorySegment x = dD.segment();
            MemorySegment y = M.segment();
            MemorySegment out = dA.segment();
            long bound = from + S.loopBound(to - from);
            for (long k = from; k < bound; k += S.length()) {
                long off = k * BYTES;
                FloatVector.fromMemorySegment(S, x, off, O).mul(FloatVector.fromMemorySegment(S, y, off, O)).intoMemorySegment(out, off, O);
            }
            done = bound;
        }
        ScalarDropout.backwardRange(dD, M, dA, done, to);
    }
}

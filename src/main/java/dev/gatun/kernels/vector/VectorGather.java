package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarGather;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The data loader's row loops in SIMD, one row segment at a time; the scalar twin finishes each row. Bytes are widened
 * to floats by zero-extending to int first, so 200 stays 200 and not −56; that widening is written out in each loop,
 * not in a helper returning a vector, which would box the vector wherever C2 does not inline the helper.
 */
public final class VectorGather implements KernelProvider.Gather {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** As many float lanes as the hardware prefers, but at least 8 so that the byte side has a real vector shape. */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final int LANES = FLOATS.length();
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8));
    private static final VectorShuffle<Float> REVERSE = VectorShuffle.fromOp(FLOATS, i -> LANES - 1 - i);

    @Override
    public void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                              float[] scale, float[] shift, int j) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, src, srcOffset + k, NATIVE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).convert(VectorOperators.I2F, 0);
            x.fma(FloatVector.fromArray(FLOATS, scale, j + k), FloatVector.fromArray(FLOATS, shift, j + k))
                    .intoMemorySegment(dst, dstOffset + 4L * k, NATIVE);
        }
        ScalarGather.bytesToFloats(src, srcOffset, dst, dstOffset, k, count, scale, shift, j);
    }

    @Override
    public void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int count,
                                      float[] scale, float[] shift, int j) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, src, srcEnd - k - LANES, NATIVE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).convert(VectorOperators.I2F, 0)).rearrange(REVERSE);
            x.fma(FloatVector.fromArray(FLOATS, scale, j + k), FloatVector.fromArray(FLOATS, shift, j + k))
                    .intoMemorySegment(dst, dstOffset + 4L * k, NATIVE);
        }
        ScalarGather.bytesToFloatsReversed(src, srcEnd, dst, dstOffset, k, count, scale, shift, j);
    }

    @Override
    public void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count, float[] scale,
                       float[] shift) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector.fromMemorySegment(FLOATS, in, inOffset + 4L * k, NATIVE)
                    .fma(FloatVector.fromArray(FLOATS, scale, k), FloatVector.fromArray(FLOATS, shift, k))
                    .intoMemorySegment(out, outOffset + 4L * k, NATIVE);
        }
        ScalarGather.affine(in, inOffset, out, outOffset, k, count, scale, shift);
    }

    @Override
    public void affine(float[] in, float[] out, int count, float[] scale, float[] shift) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector.fromArray(FLOATS, in, k)
                    .fma(FloatVector.fromArray(FLOATS, scale, k), FloatVector.fromArray(FLOATS, shift, k))
                    .intoArray(out, k);
        }
        ScalarGather.affine(in, out, k, count, scale, shift);
    }

    @Override
    public void accumulate(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, src, srcOffset + k, NATIVE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)).convert(VectorOperators.I2F, 0);
            FloatVector.fromArray(FLOATS, sum, k).add(x).intoArray(sum, k);
            x.fma(x, FloatVector.fromArray(FLOATS, sumSq, k)).intoArray(sumSq, k);
        }
        ScalarGather.accumulate(src, srcOffset, k, count, sum, sumSq);
    }
}

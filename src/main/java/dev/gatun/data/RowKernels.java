package dev.gatun.data;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The bulk loops of {@code data/}: pixels (unsigned bytes) to normalised float32 in one pass, forwards or mirrored,
 * the affine map on float rows, and the sums behind the normalisation statistics. Each vector kernel works on one
 * row segment at a time with a scalar tail, and has a plain scalar twin below it that the tests use as its oracle.
 *
 * <p>Every output element is {@code x·scale[j] + shift[j]}, where {@code j} is the feature index in the output
 * row: normalisation statistics belong to positions in the image the model sees, not to source pixels.
 */
final class RowKernels {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** As many float lanes as the hardware prefers, but at least 8 so that the byte side has a real vector shape. */
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final int LANES = FLOATS.length();
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8));
    private static final VectorShuffle<Float> REVERSE = VectorShuffle.fromOp(FLOATS, i -> LANES - 1 - i);

    private RowKernels() {}

    /** {@code dst[k] = src[k]·scale[j+k] + shift[j+k]} for {@code k < count}; src bytes are unsigned. */
    static void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                              float[] scale, float[] shift, int j) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = unsignedLanes(src, srcOffset + k);
            x.fma(FloatVector.fromArray(FLOATS, scale, j + k), FloatVector.fromArray(FLOATS, shift, j + k))
                    .intoMemorySegment(dst, dstOffset + 4L * k, NATIVE);
        }
        for (; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    static void bytesToFloatsScalar(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                                    float[] scale, float[] shift, int j) {
        for (int k = 0; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    /**
     * The mirrored form for horizontal flips: {@code dst[k] = src[srcEnd-1-k]·scale[j+k] + shift[j+k]}, reading
     * the {@code count} bytes that end just before {@code srcEnd}.
     */
    static void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int count,
                                      float[] scale, float[] shift, int j) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = unsignedLanes(src, srcEnd - k - LANES).rearrange(REVERSE);
            x.fma(FloatVector.fromArray(FLOATS, scale, j + k), FloatVector.fromArray(FLOATS, shift, j + k))
                    .intoMemorySegment(dst, dstOffset + 4L * k, NATIVE);
        }
        for (; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcEnd - 1 - k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    static void bytesToFloatsReversedScalar(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset,
                                            int count, float[] scale, float[] shift, int j) {
        for (int k = 0; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcEnd - 1 - k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    /**
     * Reads one byte of every cache line of {@code src[offset, offset + count)} and returns their sum: brings a row
     * towards the core ahead of its conversion (Java has no prefetch instruction; a load whose result is used is
     * the portable equivalent). The loads are independent, so their misses overlap. {@code count >= 1} (a sample has
     * at least one feature: IdxHeader refuses zero dimensions).
     */
    static long touch(MemorySegment src, long offset, int count) {
        long sum = 0;
        long end = offset + count;
        for (long at = offset; at < end; at += CACHE_LINE) {
            sum += src.get(ValueLayout.JAVA_BYTE, at);
        }
        return sum + src.get(ValueLayout.JAVA_BYTE, end - 1);
    }

    private static final int CACHE_LINE = 64;

    /** {@code out[k] = in[k]·scale[k] + shift[k]} over float32 rows; {@code in} and {@code out} may be the same. */
    static void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count,
                       float[] scale, float[] shift) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector.fromMemorySegment(FLOATS, in, inOffset + 4L * k, NATIVE)
                    .fma(FloatVector.fromArray(FLOATS, scale, k), FloatVector.fromArray(FLOATS, shift, k))
                    .intoMemorySegment(out, outOffset + 4L * k, NATIVE);
        }
        for (; k < count; k++) {
            out.set(FLOAT, outOffset + 4L * k, Math.fma(in.get(FLOAT, inOffset + 4L * k), scale[k], shift[k]));
        }
    }

    static void affineScalar(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count,
                             float[] scale, float[] shift) {
        for (int k = 0; k < count; k++) {
            out.set(FLOAT, outOffset + 4L * k, Math.fma(in.get(FLOAT, inOffset + 4L * k), scale[k], shift[k]));
        }
    }

    /** The heap-array form of {@link #affine}, for callers holding a {@code float[]} row. */
    static void affine(float[] in, float[] out, int count, float[] scale, float[] shift) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector.fromArray(FLOATS, in, k)
                    .fma(FloatVector.fromArray(FLOATS, scale, k), FloatVector.fromArray(FLOATS, shift, k))
                    .intoArray(out, k);
        }
        for (; k < count; k++) {
            out[k] = Math.fma(in[k], scale[k], shift[k]);
        }
    }

    static void affineScalar(float[] in, float[] out, int count, float[] scale, float[] shift) {
        for (int k = 0; k < count; k++) {
            out[k] = Math.fma(in[k], scale[k], shift[k]);
        }
    }

    /**
     * {@code sum[k] += x[k]; sumSq[k] += x[k]²} for one row of unsigned bytes. Exact in float while a block stays
     * under 2^24, which {@link #EXACT_ROWS} rows of bytes do: callers flush the block into doubles that often.
     */
    static void accumulate(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq) {
        int k = 0;
        for (int bound = count - LANES; k <= bound; k += LANES) {
            FloatVector x = unsignedLanes(src, srcOffset + k);
            FloatVector.fromArray(FLOATS, sum, k).add(x).intoArray(sum, k);
            x.fma(x, FloatVector.fromArray(FLOATS, sumSq, k)).intoArray(sumSq, k);
        }
        for (; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            sum[k] += x;
            sumSq[k] += x * x;
        }
    }

    static void accumulateScalar(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq) {
        for (int k = 0; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            sum[k] += x;
            sumSq[k] += x * x;
        }
    }

    /** 256 rows of bytes: 256·255² = 16,646,400 < 2^24, so float block sums of squares are still exact integers. */
    static final int EXACT_ROWS = 256;

    /** {@link #LANES} unsigned bytes widened to floats: zero-extend to int first, so 200 stays 200 and not −56. */
    private static FloatVector unsignedLanes(MemorySegment src, long offset) {
        ByteVector bytes = ByteVector.fromMemorySegment(BYTES, src, offset, NATIVE);
        IntVector ints = (IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0);
        return (FloatVector) ints.convert(VectorOperators.I2F, 0);
    }
}

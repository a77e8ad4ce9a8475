package dev.gatun.data;

import dev.gatun.kernels.KernelProvider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The bulk loops of {@code data/}: pixels (unsigned bytes) to normalised float32 in one pass, forwards or mirrored,
 * the affine map on float rows, and the sums behind the normalisation statistics, run by the
 * {@link KernelProvider#selected() selected} provider's {@link KernelProvider.Gather}.
 *
 * <p>Every output element is {@code x·scale[j] + shift[j]}, where {@code j} is the feature index in the output
 * row: normalisation statistics belong to positions in the image the model sees, not to source pixels.
 */
final class RowKernels {
    private static final KernelProvider.Gather KERNELS = KernelProvider.selected().gather();
    private static final int CACHE_LINE = 64;

    /** 256 rows of bytes: 256·255² = 16,646,400 < 2^24, so float block sums of squares are still exact integers. */
    static final int EXACT_ROWS = 256;

    private RowKernels() {}

    /** {@code dst[k] = src[k]·scale[j+k] + shift[j+k]} for {@code k < count}; src bytes are unsigned. */
    static void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                              float[] scale, float[] shift, int j) {
        KERNELS.bytesToFloats(src, srcOffset, dst, dstOffset, count, scale, shift, j);
    }

    /**
     * The mirrored form for horizontal flips: {@code dst[k] = src[srcEnd-1-k]·scale[j+k] + shift[j+k]}, reading
     * the {@code count} bytes that end just before {@code srcEnd}.
     */
    static void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int count,
                                      float[] scale, float[] shift, int j) {
        KERNELS.bytesToFloatsReversed(src, srcEnd, dst, dstOffset, count, scale, shift, j);
    }

    /**
     * Reads one byte of every cache line of {@code src[offset, offset + count)} and returns their sum: brings a row
     * towards the core ahead of its conversion (Java has no prefetch instruction; a load whose result is used is
     * the portable equivalent). The loads are independent, so their misses overlap. {@code count >= 1} (a sample has
     * at least one feature: IdxHeader refuses zero dimensions).
     */
    static long touch(MemorySegment src, long offset, long count) {
        long sum = 0;
        long end = offset + count;
        for (long at = offset; at < end; at += CACHE_LINE) {
            sum += src.get(ValueLayout.JAVA_BYTE, at);
        }
        return sum + src.get(ValueLayout.JAVA_BYTE, end - 1);
    }

    /** {@code out[k] = in[k]·scale[k] + shift[k]} over float32 rows; {@code in} and {@code out} may be the same. */
    static void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count,
                       float[] scale, float[] shift) {
        KERNELS.affine(in, inOffset, out, outOffset, count, scale, shift);
    }

    /** The heap-array form of {@link #affine}, for callers holding a {@code float[]} row. */
    static void affine(float[] in, float[] out, int count, float[] scale, float[] shift) {
        KERNELS.affine(in, out, count, scale, shift);
    }

    /**
     * {@code sum[k] += x[k]; sumSq[k] += x[k]²} for one row of unsigned bytes. Exact in float while a block stays
     * under 2^24, which {@link #EXACT_ROWS} rows of bytes do: callers flush the block into doubles that often.
     */
    static void accumulate(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq) {
        KERNELS.accumulate(src, srcOffset, count, sum, sumSq);
    }
}

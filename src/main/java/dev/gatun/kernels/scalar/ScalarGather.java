package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The data loader's row loops one element at a time, in float with fused multiply-adds. */
public final class ScalarGather implements KernelProvider.Gather {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    ScalarGather() {}

    @Override
    public void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                              float[] scale, float[] shift, int j) {
        bytesToFloats(src, srcOffset, dst, dstOffset, 0, count, scale, shift, j);
    }

    @Override
    public void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int count,
                                      float[] scale, float[] shift, int j) {
        bytesToFloatsReversed(src, srcEnd, dst, dstOffset, 0, count, scale, shift, j);
    }

    @Override
    public void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count, float[] scale,
                       float[] shift) {
        affine(in, inOffset, out, outOffset, 0, count, scale, shift);
    }

    @Override
    public void affine(float[] in, float[] out, int count, float[] scale, float[] shift) {
        affine(in, out, 0, count, scale, shift);
    }

    @Override
    public void accumulate(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq) {
        accumulate(src, srcOffset, 0, count, sum, sumSq);
    }

    // Elements [from, count): the twins, and the vector bodies' tails.

    public static void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int from,
                                     int count, float[] scale, float[] shift, int j) {
        for (int k = from; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    public static void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int from,
                                             int count, float[] scale, float[] shift, int j) {
        for (int k = from; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcEnd - 1 - k) & 0xFF;
            dst.set(FLOAT, dstOffset + 4L * k, Math.fma(x, scale[j + k], shift[j + k]));
        }
    }

    public static void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int from, int count,
                              float[] scale, float[] shift) {
        for (int k = from; k < count; k++) {
            out.set(FLOAT, outOffset + 4L * k, Math.fma(in.get(FLOAT, inOffset + 4L * k), scale[k], shift[k]));
        }
    }

    public static void affine(float[] in, float[] out, int from, int count, float[] scale, float[] shift) {
        for (int k = from; k < count; k++) {
            out[k] = Math.fma(in[k], scale[k], shift[k]);
        }
    }

    public static void accumulate(MemorySegment src, long srcOffset, int from, int count, float[] sum, float[] sumSq) {
        for (int k = from; k < count; k++) {
            float x = src.get(ValueLayout.JAVA_BYTE, srcOffset + k) & 0xFF;
            sum[k] += x;
            sumSq[k] += x * x;
        }
    }
}

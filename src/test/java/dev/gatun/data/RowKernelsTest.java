package dev.gatun.data;

import dev.gatun.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector provider's gather kernels against the scalar provider's, over odd lengths and unaligned offsets, and the twins against formulas. */
class RowKernelsTest {
    private static final KernelProvider.Gather VECTOR = KernelProvider.vector().gather();
    private static final KernelProvider.Gather SCALAR = KernelProvider.scalar().gather();
    private static final int MAX = 3 * 64 + 7;
    private final Random random = new Random(99);

    private float[] randomFloats(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    private MemorySegment randomBytes(Arena arena, int n) {
        MemorySegment s = arena.allocate(n);
        for (int i = 0; i < n; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
        }
        return s;
    }

    /** One float32 rounding of the result, relative to its size. */
    private static double tolerance(double expected) {
        return 1e-6 * Math.max(1, Math.abs(expected));
    }

    @Test
    void bytesToFloatsForwardsAndMirroredMatchTwinsAndFormula() {
        for (boolean mirrored : new boolean[] {false, true}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment src = randomBytes(arena, 2 * MAX + 8);
                float[] scale = randomFloats(MAX + 8);
                float[] shift = randomFloats(MAX + 8);
                for (int count = 0; count <= MAX; count++) {
                    // Forwards reads count bytes from srcAt; mirrored reads the count bytes that end at srcAt.
                    long srcAt = mirrored ? count + 3 : count % 5;
                    int j = count % 3;
                    MemorySegment fast = arena.allocate(4L * MAX + 8);
                    MemorySegment slow = arena.allocate(4L * MAX + 8);
                    if (mirrored) {
                        VECTOR.bytesToFloatsReversed(src, srcAt, fast, 4, count, scale, shift, j);
                        SCALAR.bytesToFloatsReversed(src, srcAt, slow, 4, count, scale, shift, j);
                    } else {
                        VECTOR.bytesToFloats(src, srcAt, fast, 4, count, scale, shift, j);
                        SCALAR.bytesToFloats(src, srcAt, slow, 4, count, scale, shift, j);
                    }
                    String what = (mirrored ? "mirrored" : "forwards") + " count " + count;
                    assertEquals(-1, fast.mismatch(slow), what);
                    for (int k = 0; k < count; k++) {
                        long at = mirrored ? srcAt - 1 - k : srcAt + k;
                        int x = src.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
                        double expected = x * (double) scale[j + k] + shift[j + k];
                        assertEquals(expected, slow.get(ValueLayout.JAVA_FLOAT, 4 + 4L * k), tolerance(expected),
                                what + " k " + k);
                    }
                }
            }
        }
    }

    @Test
    void affineMatchesTwinOnSegmentsAndArrays() {
        try (Arena arena = Arena.ofConfined()) {
            for (int count = 0; count <= MAX; count++) {
                float[] in = randomFloats(count);
                float[] scale = randomFloats(count);
                float[] shift = randomFloats(count);
                MemorySegment segIn = arena.allocate(4L * count + 4);
                MemorySegment.copy(in, 0, segIn, ValueLayout.JAVA_FLOAT_UNALIGNED, 4, count);
                MemorySegment fast = arena.allocate(4L * count + 12);
                MemorySegment slow = arena.allocate(4L * count + 12);
                VECTOR.affine(segIn, 4, fast, 12, count, scale, shift);
                SCALAR.affine(segIn, 4, slow, 12, count, scale, shift);
                assertEquals(-1, fast.mismatch(slow), "count " + count);
                float[] outFast = new float[count];
                float[] outSlow = new float[count];
                VECTOR.affine(in, outFast, count, scale, shift);
                SCALAR.affine(in, outSlow, count, scale, shift);
                assertArrayEquals(outSlow, outFast);
                for (int k = 0; k < count; k++) {
                    double expected = in[k] * (double) scale[k] + shift[k];
                    assertEquals(expected, outSlow[k], tolerance(expected));
                    assertEquals(outSlow[k], slow.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 12 + 4L * k));
                }
            }
        }
    }

    @Test
    void accumulateMatchesTwinAndStaysExactForAFullBlock() {
        try (Arena arena = Arena.ofConfined()) {
            for (int count : new int[] {1, 15, 16, 17, 63, 784, MAX}) {
                float[] sumFast = new float[count];
                float[] sqFast = new float[count];
                float[] sumSlow = new float[count];
                float[] sqSlow = new float[count];
                long[] sumExact = new long[count];
                long[] sqExact = new long[count];
                MemorySegment rows = randomBytes(arena, RowKernels.EXACT_ROWS * count + 1);
                // Worst case for exactness: the first row all 255.
                rows.asSlice(1, count).fill((byte) 255);
                for (int r = 0; r < RowKernels.EXACT_ROWS; r++) {
                    long off = 1 + (long) r * count;
                    VECTOR.accumulate(rows, off, count, sumFast, sqFast);
                    SCALAR.accumulate(rows, off, count, sumSlow, sqSlow);
                    for (int k = 0; k < count; k++) {
                        int x = rows.get(ValueLayout.JAVA_BYTE, off + k) & 0xFF;
                        sumExact[k] += x;
                        sqExact[k] += (long) x * x;
                    }
                }
                assertArrayEquals(sumSlow, sumFast);
                assertArrayEquals(sqSlow, sqFast);
                for (int k = 0; k < count; k++) {
                    assertEquals(sumExact[k], (long) sumFast[k]);
                    assertEquals(sqExact[k], (long) sqFast[k]);
                }
            }
        }
    }
}

package dev.gatun.data;

import dev.gatun.kernels.SplitMix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Gathers one image into an output row with a flip and a shift applied, in the same single pass that converts and
 * normalises it. Output pixel {@code (y, x)} is source pixel {@code (y − dy, x − dx)} of the (optionally mirrored)
 * image; positions that fall outside are a raw 0, whose normalised value is {@code shift[j]}.
 */
final class Augmenter {
    private final Augmentation augmentation;
    private final int height;
    private final int width;
    private final SplitMix rng = new SplitMix(0);

    Augmenter(Augmentation augmentation, int height, int width) {
        this.augmentation = augmentation;
        this.height = height;
        this.width = width;
    }

    /** Every batch draws from its own stream, so the draws depend on (seed, epoch, batch), not on who fills it. */
    void startBatch(long seed) {
        rng.reseed(seed);
    }

    void gather(MemorySegment pixels, long pixelOffset, MemorySegment out, long outOffset,
                float[] scale, float[] shift) {
        boolean flip = augmentation.flip() && rng.nextInt(2) == 1;
        int span = 2 * augmentation.maxShift() + 1;
        int dx = rng.nextInt(span) - augmentation.maxShift();
        int dy = rng.nextInt(span) - augmentation.maxShift();
        int x0 = Math.max(0, dx);
        int x1 = Math.min(width, width + dx);
        for (int y = 0; y < height; y++) {
            int j = y * width;
            long rowOut = outOffset + 4L * j;
            int sy = y - dy;
            if (sy < 0 || sy >= height || x0 >= x1) {
                MemorySegment.copy(shift, j, out, ValueLayout.JAVA_FLOAT, rowOut, width);
                continue;
            }
            MemorySegment.copy(shift, j, out, ValueLayout.JAVA_FLOAT, rowOut, x0);
            MemorySegment.copy(shift, j + x1, out, ValueLayout.JAVA_FLOAT, rowOut + 4L * x1, width - x1);
            long sourceRow = pixelOffset + (long) sy * width;
            if (flip) {
                // Mirrored source column of output x is width−1−(x−dx): it runs backwards from width−1−x0+dx.
                RowKernels.bytesToFloatsReversed(pixels, sourceRow + width - x0 + dx, out, rowOut + 4L * x0, x1 - x0,
                        scale, shift, j + x0);
            } else {
                RowKernels.bytesToFloats(pixels, sourceRow + x0 - dx, out, rowOut + 4L * x0, x1 - x0,
                        scale, shift, j + x0);
            }
        }
    }
}

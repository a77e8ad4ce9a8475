package dev.gatun.data;

/**
 * Random changes to training images, applied while a batch is gathered (never to the mapped data): a horizontal
 * flip with probability ½ when {@code flip}, then a shift by whole pixels, {@code dx} and {@code dy} each uniform in
 * {@code [−maxShift, maxShift]}. Pixels shifted in from outside the image are raw 0 (background), normalised like
 * any other. Off ({@link #NONE}) unless asked for; never applied to dev or test data by the loader's users.
 */
public record Augmentation(boolean flip, int maxShift) {
    /** No augmentation: the default. */
    public static final Augmentation NONE = new Augmentation(false, 0);

    public Augmentation {
        if (maxShift < 0) {
            throw new IllegalArgumentException("augmentation shift must be >= 0 pixels, got " + maxShift);
        }
    }

    /** Flips and shifts of up to ±2 pixels: the usual choice for 28×28 images of clothes. */
    public static Augmentation flipAndShift() {
        return new Augmentation(true, 2);
    }

    public boolean enabled() {
        return flip || maxShift > 0;
    }
}

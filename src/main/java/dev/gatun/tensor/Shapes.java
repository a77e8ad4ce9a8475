package dev.gatun.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shape arithmetic and formatting shared by Tensor and everything that reports shapes in errors. */
public final class Shapes {
    private Shapes() {}

    /** Number of elements; rejects empty, non-positive and overflowing shapes with a message naming the shape. */
    public static long elementCount(long... shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one dimension, got " + format(shape));
        }
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw new IllegalArgumentException(
                        "dimension " + i + " of shape " + format(shape) + " must be positive, got " + shape[i]);
            }
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException("shape " + format(shape) + " has more elements than a long can count");
            }
        }
        return count;
    }

    /** "(3, 4)" — the form every shape error message uses. */
    public static String format(long... shape) {
        if (shape == null) {
            return "(null)";
        }
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}

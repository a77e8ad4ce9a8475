package dev.gatun.io;

import java.nio.file.Path;

/**
 * A child JVM's side of the heap-bounded model-file tests: describes args[0] and prints "refused: " and the
 * ModelFormatException's message, or "described". Anything else (an OutOfMemoryError) ends the child with its trace.
 */
public final class DescribeProbe {
    private DescribeProbe() {}

    public static void main(String[] args) throws Exception {
        try {
            ModelIo.describe(Path.of(args[0]));
            System.out.println("described");
        } catch (ModelFormatException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}

package dev.gatun.io;

import java.io.IOException;
import java.nio.file.Path;

/** A model file that is not what it claims to be: names the file, the byte offset or field, expected vs found. */
public final class ModelFormatException extends IOException {
    public ModelFormatException(Path file, long offset, String problem) {
        super(file + " at byte " + offset + ": " + problem);
    }

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * A file that decodes into more heap than this JVM has (either format: a small section or graph can expand many
     * times over): its failure, not the caller's, said as such. What was allocated for it is unreachable by then.
     */
    static ModelFormatException outOfHeap(Path file, OutOfMemoryError e) {
        return new ModelFormatException(file, "does not fit in this JVM's heap of " + heapMegabytes()
                + " MB once decoded (" + e.getMessage() + "; GATUN_JAVA_OPTS=-Xmx... raises it)");
    }

    static long heapMegabytes() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }
}

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
}

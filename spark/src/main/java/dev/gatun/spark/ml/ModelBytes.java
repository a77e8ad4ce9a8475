package dev.gatun.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model file that travels as bytes (in a broadcast, or read from a Hadoop path) opened by the core's readers,
 * which take a path: written to a private temporary folder, read, and deleted again.
 */
final class ModelBytes {
    private ModelBytes() {}

    interface Reader<T> {
        T read(Path file) throws IOException;
    }

    static <T> T read(byte[] file, String what, Reader<T> reader) {
        try {
            Path folder = Files.createTempDirectory("gatun-spark-model");
            Path path = folder.resolve("model.gatun");
            try {
                Files.write(path, file);
                return reader.read(path);
            } finally {
                Files.deleteIfExists(path);
                Files.deleteIfExists(folder);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        }
    }
}

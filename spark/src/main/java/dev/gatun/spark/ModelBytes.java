package dev.gatun.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model file that travels as bytes (in a broadcast, a replica's result or epoch report, or read from a Hadoop
 * path) written and read by the core's model file code, which takes a path: through a private temporary folder,
 * deleted again.
 */
public final class ModelBytes {
    private ModelBytes() {}

    /** Reads a model file at a path. */
    public interface Reader<T> {
        T read(Path file) throws IOException;
    }

    /** Writes a model file to a path. */
    public interface Writer {
        void write(Path file) throws IOException;
    }

    /** What {@code reader} reads from {@code file}'s bytes; {@code what} leads an I/O error's message. */
    public static <T> T read(byte[] file, String what, Reader<T> reader) {
        try {
            return inTemporaryFile(path -> {
                Files.write(path, file);
                return reader.read(path);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        }
    }

    /** The bytes of the model file {@code writer} writes. */
    public static byte[] write(Writer writer) throws IOException {
        return inTemporaryFile(path -> {
            writer.write(path);
            return Files.readAllBytes(path);
        });
    }

    private static <T> T inTemporaryFile(Reader<T> body) throws IOException {
        Path folder = Files.createTempDirectory("gatun-spark-model");
        Path path = folder.resolve("model.gatun");
        try {
            return body.read(path);
        } finally {
            try (var leftovers = Files.list(folder)) {
                for (Path p : leftovers.toList()) {   // the model file, or a writer's temporary file
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(folder);
        }
    }
}

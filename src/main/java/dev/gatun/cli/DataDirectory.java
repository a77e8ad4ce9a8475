package dev.gatun.cli;

import dev.gatun.data.IdxCache;
import dev.gatun.data.MnistDirectory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --data}, as a picocli mixin: the MNIST-format directory a command reads, where the commands find data when
 * it is not given, and the one message when it is not there.
 */
final class DataDirectory {
    /** Debian's {@code dataset-fashion-mnist} package. */
    static final Path DEFAULT = Path.of("/usr/share/datasets/fashion-mnist");

    @Option(names = "--data", description = "Directory with the four MNIST-format files, plain or gzipped (default: "
            + "/usr/share/datasets/fashion-mnist).")
    Path given;

    /** The directory read: the one given, else {@link #DEFAULT}. */
    Path path() {
        return given != null ? given : DEFAULT;
    }

    /** Opens the four files with labels checked against {@code classes}; the caller closes it. */
    MnistDirectory open(int classes) throws IOException {
        return open(given, classes);
    }

    /**
     * Opens the four MNIST-format files under {@code dir} ({@link #DEFAULT} when null) with labels checked against
     * {@code classes}, for commands whose {@code --data} may also name a CSV file; the caller closes it.
     */
    static MnistDirectory open(Path dir, int classes) throws IOException {
        Path chosen = dir != null ? dir : DEFAULT;
        if (!Files.isDirectory(chosen)) {
            throw new IllegalArgumentException("data directory " + chosen + " does not exist"
                    + (dir == null ? ": install Fashion-MNIST with 'apt-get install dataset-fashion-mnist' or pass --data DIR"
                    : ": --data needs a directory holding the four MNIST-format files"));
        }
        return MnistDirectory.load(chosen, classes, IdxCache.defaultCache());
    }
}

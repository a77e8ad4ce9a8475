package dev.gatun.cli;

import dev.gatun.data.IdxCache;
import dev.gatun.data.MnistDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The MNIST-format directory a command reads: where the commands find data when {@code --data} is not given, and
 * the one message when it is not there.
 */
final class DataDirectory {
    /** Debian's {@code dataset-fashion-mnist} package. */
    static final Path DEFAULT = Path.of("/usr/share/datasets/fashion-mnist");

    private DataDirectory() {}

    /**
     * Opens the four MNIST-format files under {@code dir} ({@link #DEFAULT} when null) with labels checked against
     * {@code classes}; the caller closes it.
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

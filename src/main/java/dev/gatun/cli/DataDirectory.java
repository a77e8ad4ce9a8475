package dev.gatun.cli;

import dev.gatun.data.IdxCache;
import dev.gatun.data.MnistDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the commands find data when {@code --data} is not given, and the one message when it is not there. */
final class DataDirectory {
    /** Debian's {@code dataset-fashion-mnist} package. */
    static final Path DEFAULT = Path.of("/usr/share/datasets/fashion-mnist");

    private DataDirectory() {}

    /** Opens the four MNIST-format files under {@code dir} (default {@link #DEFAULT}); the caller closes it. */
    static MnistDirectory open(Path dir) throws IOException {
        return open(dir, MnistDirectory.DEFAULT_CLASSES);
    }

    /** As {@link #open(Path)}, with labels checked against {@code classes} instead of ten. */
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

package dev.gatun.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Where the tests find the real Fashion-MNIST files: Debian's package, which CI installs. Absent is a failure. */
final class FashionMnist {
    static final Path DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    private static Path cacheDir;

    private FashionMnist() {}

    static Path directory() {
        if (!Files.isDirectory(DIRECTORY)) {
            fail("the real-data tests need Fashion-MNIST in " + DIRECTORY
                    + ": run 'apt-get install dataset-fashion-mnist' (CI installs it)");
        }
        return DIRECTORY;
    }

    /** One cache per test JVM, so the files are decompressed once per run and never into the user's home. */
    static synchronized IdxCache cache() {
        if (cacheDir == null) {
            try {
                cacheDir = Files.createTempDirectory("gatun-test-cache");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cacheDir.toFile().deleteOnExit();
        }
        return IdxCache.at(cacheDir);
    }

    static MnistDirectory load() throws IOException {
        return MnistDirectory.load(directory(), 10, cache());
    }
}

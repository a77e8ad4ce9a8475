package dev.gatun.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Where the tests find the real Fashion-MNIST files: Debian's package, which CI installs. Absent is a failure. */
public final class FashionMnist {
    static final Path DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    /** Under the build directory: reused between runs (keyed by the source's mtime), gone with {@code mvn clean}. */
    private static final Path CACHE = Path.of("target", "gatun-test-cache");

    private FashionMnist() {}

    public static Path directory() {
        if (!Files.isDirectory(DIRECTORY)) {
            fail("the real-data tests need Fashion-MNIST in " + DIRECTORY
                    + ": run 'apt-get install dataset-fashion-mnist' (CI installs it)");
        }
        return DIRECTORY;
    }

    /** Never the user's home cache: tests must not write outside the build. */
    public static IdxCache cache() {
        return IdxCache.at(CACHE);
    }

    public static MnistDirectory load() throws IOException {
        return MnistDirectory.load(directory(), 10, cache());
    }
}

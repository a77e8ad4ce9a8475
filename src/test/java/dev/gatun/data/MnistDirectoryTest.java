package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistDirectoryTest {
    @TempDir
    Path dir;

    private IdxCache cache() {
        return IdxCache.at(dir.resolve("cache"));
    }

    private Path mnist(String name, boolean gzTrain, int testHeight) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        String gz = gzTrain ? ".gz" : "";
        IdxTestFiles.writeImages(d.resolve("train-images-idx3-ubyte" + gz), 30, 4, 4);
        IdxTestFiles.writeLabels(d.resolve("train-labels-idx1-ubyte" + gz), IdxTestFiles.cyclicLabels(30, 10));
        IdxTestFiles.writeImages(d.resolve("t10k-images.idx3-ubyte"), 20, testHeight, 4);
        IdxTestFiles.writeLabels(d.resolve("t10k-labels-idx1-ubyte.gz"), IdxTestFiles.cyclicLabels(20, 10));
        return d;
    }

    @Test
    void loadsPlainGzippedAndDottedNames() throws IOException {
        Path d = mnist("mixed", true, 4);
        DataSet train;
        try (MnistDirectory mnist = MnistDirectory.load(d, 10, cache())) {
            assertEquals(30, mnist.train().size());
            assertEquals(20, mnist.test().size());
            assertEquals(16, mnist.train().features());
            assertArrayEquals(new int[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, mnist.train().classCounts());
            assertEquals(7, mnist.test().label(7));
            assertEquals(d.resolve("train-images-idx3-ubyte.gz"), mnist.train().imageFile().path());
            assertTrue(mnist.train().imageFile().mappedPath().startsWith(dir.resolve("cache")));
            train = mnist.train();
            assertTrue(train.isOpen());
        }
        assertFalse(train.isOpen(), "closing the directory unmaps its files");
    }

    @Test
    void plainFileWinsOverGzipped() throws IOException {
        Path d = mnist("both", false, 4);
        IdxTestFiles.writeImages(d.resolve("train-images-idx3-ubyte.gz"), 30, 4, 4);
        try (MnistDirectory mnist = MnistDirectory.load(d, 10, cache())) {
            assertEquals(d.resolve("train-images-idx3-ubyte"), mnist.train().imageFile().mappedPath());
        }
    }

    @Test
    void missingFileIsNamedWithWhatIsThere() throws IOException {
        Path d = mnist("missing", false, 4);
        Files.delete(d.resolve("train-labels-idx1-ubyte"));
        DataFileException e = assertThrows(DataFileException.class, () -> MnistDirectory.load(d, 10, cache()));
        assertEquals(d.resolve("train-labels-idx1-ubyte"), e.file());
        assertTrue(e.expected().contains("train-labels-idx1-ubyte, train-labels.idx1-ubyte"), e.getMessage());
        assertTrue(e.found().contains("train-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void missingDirectory() {
        DataFileException e = assertThrows(DataFileException.class,
                () -> MnistDirectory.load(dir.resolve("nowhere"), 10, cache()));
        assertEquals("directory", e.field());
        assertEquals("nothing there", e.found());
    }

    @Test
    void trainAndTestImagesMustHaveOneShape() throws IOException {
        Path d = mnist("shapes", false, 5);
        DataFileException e = assertThrows(DataFileException.class, () -> MnistDirectory.load(d, 10, cache()));
        assertEquals(d.resolve("t10k-images.idx3-ubyte"), e.file());
        assertTrue(e.expected().contains("(4, 4)") && e.found().contains("(5, 4)"), e.getMessage());
    }

    @Test
    void labelsAboveTheClassCountAreRefused() throws IOException {
        Path d = mnist("classes", false, 4);
        DataFileException e = assertThrows(DataFileException.class, () -> MnistDirectory.load(d, 5, cache()));
        assertEquals("label 5", e.field());
        assertEquals("a class index in 0..4", e.expected());
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Path d = mnist("counts", false, 4);
        IdxTestFiles.writeLabels(d.resolve("train-labels-idx1-ubyte"), IdxTestFiles.cyclicLabels(29, 10));
        DataFileException e = assertThrows(DataFileException.class, () -> MnistDirectory.load(d, 10, cache()));
        assertEquals("29 labels", e.found());
    }
}

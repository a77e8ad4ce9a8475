package dev.gatun.data;

import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real Fashion-MNIST files from {@code /usr/share/datasets/fashion-mnist}. */
class FashionMnistTest {
    private static final int PIXEL_BYTES = 60_000 * 28 * 28;

    @Test
    void countsShapesAndClasses() throws IOException {
        try (MnistDirectory mnist = FashionMnist.load()) {
            DataSet train = mnist.train();
            DataSet test = mnist.test();
            assertEquals(60_000, train.size());
            assertEquals(10_000, test.size());
            assertArrayEquals(new long[] {60_000, 28, 28}, train.imageFile().dims());
            assertArrayEquals(new long[] {10_000, 28, 28}, test.imageFile().dims());
            assertEquals(784, train.features());
            assertEquals(10, train.classes());
            assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, train.classCounts());
            assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, test.classCounts());
            DataSet.Split split = train.split(1);
            assertEquals(55_000, split.train().size());
            assertEquals(5_000, split.dev().size());
        }
    }

    @Test
    void mappedBytesEqualAnIndependentDecodeOfTheGzipFiles() throws IOException {
        try (MnistDirectory mnist = FashionMnist.load()) {
            Path dir = FashionMnist.directory();
            compare(dir.resolve("train-images-idx3-ubyte.gz"), mnist.train().imageFile().body(), 16);
            compare(dir.resolve("train-labels-idx1-ubyte.gz"), mnist.train().labelFile().body(), 8);
            compare(dir.resolve("t10k-images-idx3-ubyte.gz"), mnist.test().imageFile().body(), 16);
            compare(dir.resolve("t10k-labels-idx1-ubyte.gz"), mnist.test().labelFile().body(), 8);
        }
    }

    private static void compare(Path gz, MemorySegment body, int headerBytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                new GZIPInputStream(Files.newInputStream(gz)), 1 << 16))) {
            in.skipNBytes(headerBytes);
            byte[] chunk = new byte[1 << 16];
            long at = 0;
            while (at < body.byteSize()) {
                int n = (int) Math.min(chunk.length, body.byteSize() - at);
                in.readFully(chunk, 0, n);
                assertArrayEquals(chunk.length == n ? chunk : java.util.Arrays.copyOf(chunk, n),
                        body.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE), gz + " at body byte " + at);
                at += n;
            }
            assertEquals(-1, in.read(), gz + " has no bytes beyond the mapped body");
        }
    }

    @Test
    void globalStatisticsMatchThePublishedOnes() throws IOException {
        try (MnistDirectory mnist = FashionMnist.load()) {
            Normalization global = Normalization.standardizeGlobal(mnist.train());
            // Published for the 60,000 training images, in [0, 1] units: mean 0.2860, std 0.3530.
            assertEquals(0.2860, global.mean()[0] / 255.0, 5e-4);
            assertEquals(0.3530, global.std()[0] / 255.0, 5e-4);
        }
    }

    @Test
    void loadedDataSetStaysOffTheHeap() throws IOException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        FashionMnist.load().close(); // decompress into the cache first: its stream buffers are not what is measured
        long before = heapUsedAfterGc(memory);
        try (MnistDirectory mnist = FashionMnist.load()) {
            long checksum = 0;
            MemorySegment pixels = mnist.train().imageFile().body();
            for (long i = 0; i < pixels.byteSize(); i += 4096) {
                checksum += pixels.get(ValueLayout.JAVA_BYTE, i);
            }
            DataSet.Split split = mnist.train().split(3);
            long after = heapUsedAfterGc(memory);
            long grown = after - before;
            assertTrue(grown < PIXEL_BYTES / 10, "heap grew by " + grown + " bytes with Fashion-MNIST loaded ("
                    + PIXEL_BYTES + " bytes of pixels); checksum " + checksum + ", " + split.train().size());
        }
    }

    private static long heapUsedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}

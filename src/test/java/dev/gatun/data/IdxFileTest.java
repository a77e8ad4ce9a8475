package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxFileTest {
    private static final int[][] SHAPES = {{7}, {3, 5}, {2, 3, 4}, {2, 1, 3, 2}};

    @TempDir
    Path dir;

    /** Values that reach each type's extremes, with the element index mixed in so that every position differs. */
    private static double[] valuesFor(IdxType type, int count) {
        double[] extremes = switch (type) {
            case UNSIGNED_BYTE -> new double[] {0, 1, 127, 128, 200, 255};
            case SIGNED_BYTE -> new double[] {-128, -1, 0, 1, 127};
            case SHORT -> new double[] {Short.MIN_VALUE, -1, 0, 256, Short.MAX_VALUE};
            case INT -> new double[] {Integer.MIN_VALUE, -70000, 0, 65536, Integer.MAX_VALUE};
            case FLOAT -> new double[] {-Float.MAX_VALUE, -1.5, -0.0, Float.MIN_VALUE, 0.1f, Float.MAX_VALUE};
            case DOUBLE -> new double[] {-Double.MAX_VALUE, -0.0, Double.MIN_VALUE, 0.1, Math.PI, 1e300};
        };
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = i < extremes.length ? extremes[i] : switch (type) {
                case UNSIGNED_BYTE -> (i * 37) % 256;
                case SIGNED_BYTE -> (i * 37) % 256 - 128;
                case SHORT -> i * 1001 - 20000;
                case INT -> i * 100_003 - 1_000_000;
                case FLOAT -> (float) (i * 0.37 - 3);
                case DOUBLE -> i * 0.37 - 3;
            };
        }
        return values;
    }

    @Test
    void everyTypeAndRankRoundTripsPlainAndGzipped() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        for (IdxType type : IdxType.values()) {
            for (int[] shape : SHAPES) {
                int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                double[] values = valuesFor(type, count);
                String name = type + "-r" + shape.length;
                for (Path file : new Path[] {dir.resolve(name), dir.resolve(name + ".gz")}) {
                    IdxTestFiles.write(file, type, shape, values);
                    try (IdxFile idx = IdxFile.open(file, cache)) {
                        String what = file.getFileName().toString();
                        assertEquals(type, idx.type(), what);
                        assertEquals(shape.length, idx.rank(), what);
                        assertArrayEquals(Arrays.stream(shape).asLongStream().toArray(), idx.dims(), what);
                        assertEquals(shape[0], idx.count(), what);
                        assertEquals(count / shape[0], idx.itemSize(), what);
                        assertEquals(4 + 4L * shape.length, idx.header().headerBytes(), what);
                        assertEquals((long) count * type.byteSize(), idx.body().byteSize(), what);
                        for (int i = 0; i < count; i++) {
                            assertEquals(Double.doubleToLongBits(expected(type, values[i])),
                                    Double.doubleToLongBits(idx.get(i)), what + " element " + i);
                        }
                        byte[] written = IdxTestFiles.bytes(type, shape, values);
                        byte[] mapped = idx.body().toArray(ValueLayout.JAVA_BYTE);
                        assertArrayEquals(Arrays.copyOfRange(written, 4 + 4 * shape.length, written.length), mapped, what);
                    }
                }
            }
        }
    }

    /** What a value becomes once written as {@code type}. */
    private static double expected(IdxType type, double v) {
        return switch (type) {
            case UNSIGNED_BYTE -> ((int) v) & 0xFF;
            case SIGNED_BYTE -> (byte) (int) v;
            case SHORT -> (short) (int) v;
            case INT -> (int) v;
            case FLOAT -> (float) v;
            case DOUBLE -> v;
        };
    }

    @Test
    void bodyIsAReadOnlyMappingNotAHeapCopy() throws IOException {
        Path file = IdxTestFiles.writeImages(dir.resolve("images"), 4, 2, 3);
        try (IdxFile idx = IdxFile.open(file, IdxCache.at(dir.resolve("cache")))) {
            MemorySegment body = idx.body();
            assertTrue(body.isMapped(), "body must be memory-mapped");
            assertTrue(body.isNative(), "body must be off-heap");
            assertTrue(body.isReadOnly(), "body must be read-only");
            assertTrue(body.heapBase().isEmpty());
            assertThrows(IllegalArgumentException.class, () -> body.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertEquals(file, idx.mappedPath());
        }
    }

    @Test
    void closedFileRefusesAccessAndClosesTwiceQuietly() throws IOException {
        Path file = IdxTestFiles.writeImages(dir.resolve("images"), 4, 2, 3);
        IdxFile idx = IdxFile.open(file, IdxCache.at(dir.resolve("cache")));
        assertEquals(3.0, idx.get(1));
        idx.close();
        assertFalse(idx.isOpen());
        assertThrows(IllegalStateException.class, () -> idx.get(1));
        assertThrows(IllegalStateException.class, () -> idx.body().get(ValueLayout.JAVA_BYTE, 0));
        idx.close();
    }

    @Test
    void outOfRangeElementIsRejectedWithTheFileNamed() throws IOException {
        Path file = IdxTestFiles.writeImages(dir.resolve("images"), 4, 2, 3);
        try (IdxFile idx = IdxFile.open(file, IdxCache.at(dir.resolve("cache")))) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> idx.get(24));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> idx.get(-1));
        }
    }

    /** The cache entries' names hash their key with 64-bit FNV-1a: the published test vectors. */
    @Test
    void cacheKeysHashWithFnv1a64() {
        assertEquals("cbf29ce484222325", CacheEntries.keyHash(""));
        assertEquals("af63dc4c8601ec8c", CacheEntries.keyHash("a"));
        assertEquals("85944171f73967e8", CacheEntries.keyHash("foobar"));
    }

    @Test
    void gzipIsDecompressedOnceAndRedoneWhenTheSourceChanges() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path gz = IdxTestFiles.write(dir.resolve("labels.gz"), IdxType.UNSIGNED_BYTE, new int[] {5},
                new double[] {1, 2, 3, 4, 5});
        Path first;
        FileTime firstWritten;
        try (IdxFile idx = IdxFile.open(gz, cache)) {
            first = idx.mappedPath();
            assertTrue(first.startsWith(cache.directory()), first + " must be inside the cache");
            assertEquals(gz, idx.path());
            firstWritten = Files.getLastModifiedTime(first);
        }
        try (IdxFile again = IdxFile.open(gz, cache)) {
            assertEquals(first, again.mappedPath());
            assertEquals(firstWritten, Files.getLastModifiedTime(first), "an unchanged source is not decompressed again");
        }
        IdxTestFiles.write(gz, IdxType.UNSIGNED_BYTE, new int[] {6}, new double[] {9, 8, 7, 6, 5, 4});
        Files.setLastModifiedTime(gz, FileTime.fromMillis(Files.getLastModifiedTime(gz).toMillis() + 5000));
        try (IdxFile changed = IdxFile.open(gz, cache)) {
            assertNotEquals(first, changed.mappedPath());
            assertEquals(6, changed.count());
            assertEquals(9.0, changed.get(0));
        }
        try (Stream<Path> entries = Files.list(cache.directory().resolve("idx"))) {
            assertTrue(entries.noneMatch(p -> p.toString().endsWith(".partial")), "no half-written files stay behind");
        }
    }

    @Test
    void gzipIsToldByTheBytesNotTheName() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        byte[] plain = IdxTestFiles.bytes(IdxType.UNSIGNED_BYTE, new int[] {3}, new double[] {7, 8, 9});
        Path gzippedUnderAPlainName = IdxTestFiles.write(dir.resolve("labels.idx"), IdxTestFiles.gzip(plain));
        try (IdxFile idx = IdxFile.open(gzippedUnderAPlainName, cache)) {
            assertTrue(idx.mappedPath().startsWith(cache.directory()), "decompressed into the cache: " + idx.mappedPath());
            assertEquals(3, idx.count());
            assertEquals(9.0, idx.get(2));
        }
        Path plainUnderAGzipName = IdxTestFiles.write(dir.resolve("plain.gz"), plain);
        try (IdxFile idx = IdxFile.open(plainUnderAGzipName, cache)) {
            assertEquals(plainUnderAGzipName, idx.mappedPath(), "mapped in place");
            assertEquals(8.0, idx.get(1));
        }
    }

    @Test
    void damagedCacheEntryIsRebuilt() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path gz = IdxTestFiles.write(dir.resolve("labels.gz"), IdxType.UNSIGNED_BYTE, new int[] {3}, new double[] {1, 2, 3});
        Path entry;
        try (IdxFile idx = IdxFile.open(gz, cache)) {
            entry = idx.mappedPath();
        }
        Files.write(entry, new byte[] {0, 0, 8});
        try (IdxFile idx = IdxFile.open(gz, cache)) {
            assertEquals(3, idx.count());
            assertEquals(3.0, idx.get(2));
        }
    }

    @Test
    void failedDecompressionLeavesNoCacheFile() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        byte[] gz = IdxTestFiles.gzip(IdxTestFiles.bytes(IdxType.INT, new int[] {100}, new double[100]));
        Path broken = IdxTestFiles.write(dir.resolve("broken.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertThrows(DataFileException.class, () -> IdxFile.open(broken, cache));
        try (Stream<Path> entries = Files.list(cache.directory().resolve("idx"))) {
            assertEquals(0, entries.count(), "neither a partial nor a final entry may remain");
        }
    }

    @Test
    void cacheLocationComesFromPropertyThenEnvironmentThenHome() {
        String saved = System.getProperty(IdxCache.PROPERTY);
        try {
            System.setProperty(IdxCache.PROPERTY, dir.resolve("from-property").toString());
            assertEquals(dir.resolve("from-property").toAbsolutePath(), IdxCache.defaultCache().directory());
            System.clearProperty(IdxCache.PROPERTY);
            String env = System.getenv(IdxCache.ENV);
            Path expected = env != null && !env.isBlank() ? Path.of(env).toAbsolutePath()
                    : Path.of(System.getProperty("user.home"), ".cache", "gatun").toAbsolutePath();
            assertEquals(expected, IdxCache.defaultCache().directory());
        } finally {
            if (saved == null) {
                System.clearProperty(IdxCache.PROPERTY);
            } else {
                System.setProperty(IdxCache.PROPERTY, saved);
            }
        }
    }
}

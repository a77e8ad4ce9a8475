package dev.gatun.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cache writes leave free space on their disk: a table or a decompressed IDX file that would eat into it fails first,
 * naming the cache and the setting, and leaves no entry. A reserve larger than any disk stands for a full one here.
 */
class CacheReserveTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearReserve() {
        System.clearProperty(CacheEntries.RESERVE_PROPERTY);
    }

    @Test
    void aCsvTableIsNotCachedIntoTheReserve() throws IOException {
        Path csv = Files.writeString(dir.resolve("t.csv"), "a,label\n1,0\n2,1\n");
        CsvOptions options = CsvOptions.classification("label").withCache(IdxCache.at(dir.resolve("cache")));
        System.setProperty(CacheEntries.RESERVE_PROPERTY, Long.toString(Long.MAX_VALUE / 4));
        IOException e = assertThrows(IOException.class, () -> CsvReader.read(csv, options).close());
        assertTrue(e.getMessage().contains("cannot write the data cache") && e.getMessage().contains("kept free ("
                + CacheEntries.RESERVE_PROPERTY + ")"), e.getMessage());
        assertEquals(0, filesIn(dir.resolve("cache")), "nothing left in the cache");
        System.setProperty(CacheEntries.RESERVE_PROPERTY, "0");
        try (Table table = CsvReader.read(csv, options)) {
            assertEquals(2, table.dataSet().size(), "with no reserve the same table caches");
        }
    }

    @Test
    void aGzippedIdxFileIsNotDecompressedIntoTheReserve() throws IOException {
        Path gz = IdxTestFiles.writeImages(dir.resolve("images-idx3-ubyte.gz"), 3, 2, 2);
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        System.setProperty(CacheEntries.RESERVE_PROPERTY, Long.toString(Long.MAX_VALUE / 4));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxFile.open(gz, cache).close());
        assertTrue(e.getMessage().contains("kept free (" + CacheEntries.RESERVE_PROPERTY + ")"), e.getMessage());
        assertEquals(0, filesIn(dir.resolve("cache")), "nothing left in the cache");
        System.setProperty(CacheEntries.RESERVE_PROPERTY, "-5");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> IdxFile.open(gz, cache));
        assertTrue(bad.getMessage().contains("-D" + CacheEntries.RESERVE_PROPERTY + "=-5"), bad.getMessage());
        System.clearProperty(CacheEntries.RESERVE_PROPERTY);
        try (IdxFile file = IdxFile.open(gz, cache)) {
            assertEquals(3, file.count(), "the default reserve leaves room for 3 images");
        }
    }

    private static long filesIn(Path root) throws IOException {
        if (!Files.exists(root)) {
            return 0;
        }
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }
}

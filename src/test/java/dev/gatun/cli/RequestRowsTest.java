package dev.gatun.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's request rows: whole batches of a file's first rows, a short file repeated, random rows. */
class RequestRowsTest {
    @TempDir
    Path dir;

    /** n rows of two features: row r is (r, −r). */
    private Path rows(int n) throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < n; r++) {
            csv.append(r).append(',').append(-r).append('\n');
        }
        return Files.writeString(dir.resolve("rows" + n + ".csv"), csv);
    }

    @Test
    void wholeBatchesOfTheFirstRowsUpToTheCap() throws Exception {
        float[][] batches = RequestRows.fromFile(rows(7), 3, 2, List.of(), 64);
        assertEquals(2, batches.length, "the 7th row makes no whole batch of 3");
        assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2}, batches[0]);
        assertArrayEquals(new float[] {3, -3, 4, -4, 5, -5}, batches[1]);
        assertEquals(2, RequestRows.fromFile(rows(100), 3, 2, List.of(), 2).length, "at most the cap");
    }

    @Test
    void aFileShorterThanOneBatchIsRepeated() throws Exception {
        float[][] batches = RequestRows.fromFile(rows(2), 5, 2, List.of(), 64);
        assertEquals(1, batches.length);
        assertArrayEquals(new float[] {0, 0, 1, -1, 0, 0, 1, -1, 0, 0}, batches[0]);
    }

    @Test
    void aHeaderOfNumbersThatAreTheModelsFeatureNamesIsNotARow() throws Exception {
        // pandas writes integer column names as numbers: "0,1,2" here. With those as the model's feature names, the
        // line is the header; without them it can only be read as a row (a model trained without names).
        Path numbered = Files.writeString(dir.resolve("numbered.csv"), "0,1,2\n5,6,7\n8,9,10\n");
        List<String> names = List.of("0", "1", "2");
        assertArrayEquals(new float[] {5, 6, 7, 8, 9, 10}, RequestRows.fromFile(numbered, 2, 3, names, 64)[0]);
        assertArrayEquals(new float[] {0, 1, 2, 5, 6, 7}, RequestRows.fromFile(numbered, 2, 3, List.of(), 64)[0]);
        // Other numbers on the first line are a row, whatever the names.
        assertArrayEquals(new float[] {0, 1, 2, 5, 6, 7},
                RequestRows.fromFile(numbered, 2, 3, List.of("2", "1", "0"), 64)[0]);
        // With fewer than three features a first row "0,1" is as likely as a header: it stays a row.
        Path pairs = Files.writeString(dir.resolve("pairs.csv"), "0,1\n5,6\n");
        assertArrayEquals(new float[] {0, 1, 5, 6}, RequestRows.fromFile(pairs, 2, 2, List.of("0", "1"), 64)[0]);
    }

    @Test
    void badFilesAreNamed() throws Exception {
        Path empty = Files.writeString(dir.resolve("header-only.csv"), "a,b\n");
        var none = assertThrows(IllegalArgumentException.class, () -> RequestRows.fromFile(empty, 1, 2, List.of(), 64));
        assertTrue(none.getMessage().contains("header-only.csv") && none.getMessage().contains("no rows"),
                none.getMessage());
        var wide = assertThrows(IllegalArgumentException.class, () -> RequestRows.fromFile(rows(3), 1, 3, List.of(), 64));
        assertTrue(wide.getMessage().contains("rows3.csv"), wide.getMessage());
    }

    @Test
    void randomRowsAreWholeValuesFrom0To255() {
        float[][] one = RequestRows.random(1, 4, 50);
        assertEquals(1, one.length);
        assertEquals(200, one[0].length);
        for (float v : one[0]) {
            assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), "value " + v);
        }
        assertArrayEquals(one[0], RequestRows.random(1, 4, 50)[0], "the same seed, the same rows");
    }
}

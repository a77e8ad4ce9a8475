package dev.gatun.data;

import dev.gatun.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An array-of-rows table as large as half the heap is copied off-heap row by row: a flat heap array on the way would
 * need the rows' size twice and fail with an OutOfMemoryError where the rows themselves fit.
 */
class TableHeapTest {
    @TempDir
    Path dir;

    @Test
    void rowsOfHalfTheHeapBecomeATable() throws Exception {
        ChildJvm.Result result = ChildJvm.run(dir, List.of("-Xmx192m"), BigRows.class, List.of());
        assertEquals(0, result.exit(), result.toString());
        assertEquals("rows 100000, row 99999 column 383 = 99999.0, regression rows 100000", result.stdout().strip(),
                result.toString());
    }

    /** Builds 100,000 rows of 384 floats (154 MB of arrays in a 192 MB heap) and prints what the tables hold. */
    public static final class BigRows {
        public static void main(String[] args) {
            float[][] rows = new float[100_000][384];
            int[] labels = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                rows[i][383] = i;
                labels[i] = i % 2;
            }
            try (Table table = Table.ofLabels("big", rows, labels, 2)) {
                float last = table.dataSet().row(rows.length - 1).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 383);
                System.out.print("rows " + table.rows() + ", row 99999 column 383 = " + last);
            }
            float[][] targets = new float[rows.length][1];
            try (Table table = Table.ofTargets("big", rows, targets)) {
                System.out.println(", regression rows " + table.rows());
            }
        }
    }
}

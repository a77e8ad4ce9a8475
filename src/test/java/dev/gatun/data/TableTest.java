package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tables of float32 rows from Java arrays and segments: their data sets, batches and the inputs they refuse. */
class TableTest {
    @TempDir
    Path dir;

    private static float[][] rows(int n, int features) {
        float[][] x = new float[n][features];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < features; j++) {
                x[i][j] = (float) Math.sin(1.7 * i + 0.3 * j) * (j + 1);
            }
        }
        return x;
    }

    @Test
    void batchesOfFloatRowsAreTheNormalisedRowsWithTheirLabels() {
        float[][] x = rows(37, 5);
        int[] y = new int[37];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3;
        }
        try (Table table = Table.ofLabels("t", x, y, 3)) {
            DataSet data = table.dataSet();
            assertEquals(FeatureType.FLOAT32, data.featureType());
            assertArrayEquals(new int[] {13, 12, 12}, data.classCounts());
            Normalization norm = Normalization.standardizePerFeature(data);
            float[] scale = norm.scales();
            float[] shift = norm.shifts();
            int seen = 0;
            try (Batches batches = Batches.over(data, 8).seed(3).normalization(norm).build()) {
                for (int b = 0; b < batches.batchesPerEpoch(); b++) {
                    Batch batch = batches.next();
                    for (int r = 0; r < batch.size(); r++) {
                        int sample = batch.sample(r);
                        assertEquals(y[sample], batch.label(r));
                        for (int j = 0; j < 5; j++) {
                            assertEquals(Math.fma(x[sample][j], scale[j], shift[j]), batch.X().get(r, j), 0.0,
                                    "sample " + sample + " feature " + j);
                        }
                        seen++;
                    }
                }
            }
            assertEquals(37, seen);
        }
    }

    /** Feature and target rows of different counts are named as rows, not as the byte size of a segment. */
    @Test
    void targetRowsMustMatchFeatureRows() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Table.ofTargets("r", rows(4, 3), new float[3][1]));
        assertEquals("table r: 4 feature rows but 3 target rows", e.getMessage());
    }

    /** A row handed out is read-only: a write would pass by the table's finiteness check and change every view. */
    @Test
    void rowsAreReadOnlyViews() {
        try (Table table = Table.ofLabels("t", rows(4, 3), new int[] {0, 1, 0, 1}, 2)) {
            java.lang.foreign.MemorySegment row = table.dataSet().row(2);
            assertTrue(row.isReadOnly());
            assertThrows(RuntimeException.class, () -> row.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, Float.NaN));
            assertTrue(Float.isFinite(table.dataSet().row(2).get(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0)));
        }
    }

    @Test
    void standardisationOfFloatsMatchesTwoPassStatistics() {
        float[][] x = rows(50, 4);
        try (Table table = Table.ofLabels("t", x, new int[50], 1)) {
            Normalization norm = Normalization.standardizePerFeature(table.dataSet());
            for (int j = 0; j < 4; j++) {
                double mean = 0;
                for (float[] r : x) {
                    mean += r[j];
                }
                mean /= x.length;
                double var = 0;
                for (float[] r : x) {
                    var += (r[j] - mean) * (r[j] - mean);
                }
                assertEquals(mean, norm.mean()[j], 1e-5);
                assertEquals(Math.sqrt(var / x.length), norm.std()[j], 1e-5);
            }
        }
    }

    @Test
    void regressionBatchesCarryTheirTargets() {
        float[][] x = rows(20, 3);
        float[][] t = new float[20][2];
        for (int i = 0; i < 20; i++) {
            t[i][0] = i;
            t[i][1] = -2 * i;
        }
        MemorySegment flat = MemorySegment.ofArray(new float[60]);
        for (int i = 0; i < 20; i++) {
            MemorySegment.copy(x[i], 0, flat, ValueLayout.JAVA_FLOAT, 12L * i, 3);
        }
        try (Table table = Table.ofTargets("r", flat, 3, t)) {
            DataSet data = table.dataSet();
            assertEquals(0, data.classes());
            assertEquals(2, data.targetWidth());
            assertEquals(7, data.stratified(7, 1).size(), "a subset of regression data is drawn uniformly");
            try (Batches batches = Batches.over(data, 6).seed(9).build()) {
                for (int b = 0; b < batches.batchesPerEpoch(); b++) {
                    Batch batch = batches.next();
                    assertEquals(batch.size(), batch.Y().rows());
                    for (int r = 0; r < batch.size(); r++) {
                        int sample = batch.sample(r);
                        assertEquals(sample, batch.Y().get(r, 0), 0.0);
                        assertEquals(-2 * sample, batch.Y().get(r, 1), 0.0);
                        assertEquals(x[sample][2], batch.X().get(r, 2), 0.0, "no normalisation by default for floats");
                    }
                    assertThrows(IllegalStateException.class, () -> batch.label(0));
                }
            }
        }
    }

    @Test
    void floatRowsOfPixelsGiveTheSameBatchesAsTheImages() throws IOException {
        int[] labels = IdxTestFiles.cyclicLabels(90, 4);
        try (var s = IdxTestFiles.synthetic(dir, 3, 5, labels, 4)) {
            DataSet images = s.data();
            float[][] x = new float[90][15];
            for (int i = 0; i < 90; i++) {
                for (int j = 0; j < 15; j++) {
                    x[i][j] = images.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                }
            }
            try (Table table = Table.ofLabels("floats", x, labels, 4)) {
                for (Normalization.Mode mode : Normalization.Mode.values()) {
                    Normalization a = Normalization.fit(mode, images);
                    Normalization b = Normalization.fit(mode, table.dataSet());
                    assertEquals(a, b, "statistics of " + mode);
                    try (Batches fromBytes = Batches.over(images, 16).seed(5).normalization(a).build();
                         Batches fromFloats = Batches.over(table.dataSet(), 16).seed(5).normalization(b).build()) {
                        for (int k = 0; k < 2 * fromBytes.batchesPerEpoch(); k++) {
                            Batch p = fromBytes.next();
                            Batch q = fromFloats.next();
                            assertEquals(p.size(), q.size());
                            for (int r = 0; r < p.size(); r++) {
                                assertEquals(p.label(r), q.label(r));
                                for (int j = 0; j < 15; j++) {
                                    assertEquals(Float.floatToIntBits(p.X().get(r, j) == 0 ? 0f : (float) p.X().get(r, j)),
                                            Float.floatToIntBits(q.X().get(r, j) == 0 ? 0f : (float) q.X().get(r, j)),
                                            mode + " batch " + k + " row " + r + " feature " + j);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesBadArraysWithRowAndColumn() {
        float[][] x = rows(4, 3);
        x[2][1] = Float.NaN;
        var nan = assertThrows(IllegalArgumentException.class, () -> Table.ofLabels("t", x, new int[4], 2));
        assertTrue(nan.getMessage().contains("row 2 column 1"), nan.getMessage());
        var label = assertThrows(IllegalArgumentException.class, () -> Table.ofLabels("t", rows(4, 3), new int[] {0, 1, 2, 0}, 2));
        assertTrue(label.getMessage().contains("row 2 is 2"), label.getMessage());
        var ragged = assertThrows(IllegalArgumentException.class,
                () -> Table.ofLabels("t", new float[][] {{1, 2}, {3}}, new int[2], 2));
        assertTrue(ragged.getMessage().contains("row 1 has 1 values"), ragged.getMessage());
        var count = assertThrows(IllegalArgumentException.class, () -> Table.ofLabels("t", rows(4, 3), new int[3], 2));
        assertTrue(count.getMessage().contains("4 feature rows but 3 labels"), count.getMessage());
        var size = assertThrows(IllegalArgumentException.class,
                () -> Table.ofLabels("t", MemorySegment.ofArray(new float[10]), 3, new int[3], 2));
        assertTrue(size.getMessage().contains("36 bytes, the segment holds 40"), size.getMessage());
        // Not an OutOfMemoryError from sizing the class counts: the CSV reader's limit, by name.
        var classes = assertThrows(IllegalArgumentException.class,
                () -> Table.ofLabels("t", rows(4, 3), new int[4], Integer.MAX_VALUE));
        assertTrue(classes.getMessage().contains("class count must be 1 to 65536"), classes.getMessage());
    }

    @Test
    void closingTheTableEndsItsViews() {
        Table table = Table.ofLabels("t", rows(10, 2), new int[10], 1);
        DataSet dev = table.dataSet().split(3, 1).dev();
        table.close();
        // Named, where the JDK would say "Already closed" and nothing of which data set.
        for (org.junit.jupiter.api.function.Executable read : List.<org.junit.jupiter.api.function.Executable>of(
                () -> dev.row(0), () -> dev.label(0), () -> dev.fileRow(0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, read);
            assertEquals("data set " + dev.name() + " is closed: its files were unmapped or its table closed before"
                    + " sample 0 was read", e.getMessage());
        }
    }

    @Test
    void aSampleOutOfRangeIsNamedWithTheDataSetsSize() {
        try (Table table = Table.ofLabels("t", rows(10, 2), new int[10], 1)) {
            DataSet all = table.dataSet();
            for (int bad : new int[] {10, -1}) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> all.row(bad));
                assertEquals("sample " + bad + " of data set t, which holds 10 samples", e.getMessage());
                assertThrows(IndexOutOfBoundsException.class, () -> all.label(bad));
            }
        }
    }

    @Test
    void featuresInAClosedArenaAreNamed() {
        Arena arena = Arena.ofConfined();
        MemorySegment features = arena.allocate(4L * 2 * 3, 4);
        arena.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Table.ofLabels("t", features, 2, new int[3], 2));
        assertEquals("table t: the features segment lives in an arena that is already closed", e.getMessage());
    }
}

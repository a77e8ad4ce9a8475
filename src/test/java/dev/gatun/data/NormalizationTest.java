package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormalizationTest {
    @TempDir
    Path dir;

    /** Naive per-feature population mean and std in double over the data set's pixels. */
    private static double[][] naiveStats(DataSet data) {
        int f = data.features();
        double[] mean = new double[f];
        double[] std = new double[f];
        for (int j = 0; j < f; j++) {
            double sum = 0;
            for (int i = 0; i < data.size(); i++) {
                sum += data.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
            }
            mean[j] = sum / data.size();
            double sq = 0;
            for (int i = 0; i < data.size(); i++) {
                double d = (data.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF) - mean[j];
                sq += d * d;
            }
            std[j] = Math.sqrt(sq / data.size());
        }
        return new double[][] {mean, std};
    }

    @Test
    void perFeatureStatisticsMatchANaiveTwoPassComputation() throws IOException {
        // 600 samples: more than two exact blocks of 256 rows, so the block flushing is exercised.
        try (var s = IdxTestFiles.synthetic(dir, 5, 7, IdxTestFiles.cyclicLabels(600, 10), 10)) {
            DataSet train = s.data().split(100, 5).train();
            Normalization norm = Normalization.standardizePerFeature(train);
            double[][] naive = naiveStats(train);
            assertEquals(Normalization.Mode.STANDARDIZE_PER_FEATURE, norm.mode());
            assertEquals(35, norm.mean().length);
            for (int j = 0; j < 35; j++) {
                assertEquals(naive[0][j], norm.mean()[j], 1e-4 * Math.max(1, naive[0][j]), "mean " + j);
                assertEquals(naive[1][j], norm.std()[j], 1e-4 * Math.max(1, naive[1][j]), "std " + j);
            }
        }
    }

    @Test
    void sumsGatheredInPiecesGiveWhatFitGives() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 4, 5, IdxTestFiles.cyclicLabels(300, 10), 10)) {
            DataSet data = s.data();
            int f = data.features();
            // Two "partitions" summed apart, then added, as a cluster gathers them.
            double[] sum = new double[f];
            double[] sumSq = new double[f];
            for (int part = 0; part < 2; part++) {
                double[] partSum = new double[f];
                double[] partSq = new double[f];
                for (int i = part; i < data.size(); i += 2) {
                    for (int j = 0; j < f; j++) {
                        double x = data.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                        partSum[j] += x;
                        partSq[j] += x * x;
                    }
                }
                for (int j = 0; j < f; j++) {
                    sum[j] += partSum[j];
                    sumSq[j] += partSq[j];
                }
            }
            for (Normalization.Mode mode : Normalization.Mode.values()) {
                assertEquals(Normalization.fit(mode, data), Normalization.fromSums(mode, data.size(), sum, sumSq), mode.name());
            }
            assertThrows(IllegalArgumentException.class, () -> Normalization.fromSums(Normalization.Mode.NONE, 0, sum, sumSq));
            assertThrows(IllegalArgumentException.class,
                    () -> Normalization.fromSums(Normalization.Mode.NONE, 3, sum, new double[f + 1]));
            sum[2] = Double.NaN;
            assertThrows(IllegalArgumentException.class,
                    () -> Normalization.fromSums(Normalization.Mode.STANDARDIZE_GLOBAL, 3, sum, sumSq));
        }
    }

    @Test
    void globalStatisticsMatchANaiveComputation() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 3, 3, IdxTestFiles.cyclicLabels(300, 10), 10)) {
            DataSet train = s.data();
            double sum = 0;
            double sq = 0;
            long n = (long) train.size() * train.features();
            for (int i = 0; i < train.size(); i++) {
                for (int j = 0; j < train.features(); j++) {
                    sum += train.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                }
            }
            double mean = sum / n;
            for (int i = 0; i < train.size(); i++) {
                for (int j = 0; j < train.features(); j++) {
                    double d = (train.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF) - mean;
                    sq += d * d;
                }
            }
            Normalization norm = Normalization.standardizeGlobal(train);
            assertEquals(mean, norm.mean()[0], 1e-4);
            assertEquals(Math.sqrt(sq / n), norm.std()[0], 1e-4);
            assertEquals(1, norm.std().length);
        }
    }

    @Test
    void statisticsComeFromTheTrainingSplitOnly() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 2, 2, IdxTestFiles.cyclicLabels(200, 10), 10)) {
            DataSet.Split split = s.data().split(50, 9);
            Normalization fromTrain = Normalization.standardizePerFeature(split.train());
            assertNotEquals(Normalization.standardizePerFeature(s.data()), fromTrain,
                    "the dev samples must not change the statistics");
            assertEquals(fromTrain, Normalization.standardizePerFeature(split.train()), "fitting is deterministic");
        }
    }

    @Test
    void constantFeatureIsCentredNotDividedByZero() throws IOException {
        Path images = IdxTestFiles.write(dir.resolve("img"), IdxType.UNSIGNED_BYTE, new int[] {4, 2},
                new double[] {0, 10, 0, 20, 0, 30, 0, 40});
        Path labels = IdxTestFiles.writeLabels(dir.resolve("lab"), new int[] {0, 1, 0, 1});
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        try (IdxFile im = IdxFile.open(images, cache); IdxFile lb = IdxFile.open(labels, cache)) {
            Normalization norm = Normalization.standardizePerFeature(DataSet.of("c", im, lb, 2));
            assertArrayEquals(new float[] {0f, 25f}, norm.mean());
            assertEquals(1f, norm.std()[0], "std 0 becomes 1");
            assertEquals((float) Math.sqrt(125), norm.std()[1], 1e-5f);
            float[] out = new float[2];
            norm.apply(new float[] {7f, 25f}, out);
            assertArrayEquals(new float[] {7f, 0f}, out, 1e-6f);
        }
    }

    @Test
    void aStdTooSmallForFloatToDivideByIsTreatedAsConstant() {
        // std 5e-40: 1/std is +Inf in float32, and 0·Inf would make every input NaN
        float[][] x = new float[40][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[] {i % 2 == 0 ? 0f : 1e-39f, i};
        }
        try (Table table = Table.ofLabels("tiny", x, new int[x.length], 1)) {
            Normalization norm = Normalization.standardizePerFeature(table.dataSet());
            assertEquals(1f, norm.std()[0], 0f);
            float[] out = new float[2];
            norm.apply(new float[] {1e-39f, 3f}, out);
            assertTrue(Float.isFinite(out[0]) && Float.isFinite(out[1]), out[0] + ", " + out[1]);
        }
        IllegalArgumentException stored = assertThrows(IllegalArgumentException.class, () -> Normalization.of(
                Normalization.Mode.STANDARDIZE_PER_FEATURE, 2, new float[] {0f, 0f}, new float[] {1f, 5e-40f}));
        assertTrue(stored.getMessage().contains("feature 1 has std 5.0E-40"), stored.getMessage());
        IllegalArgumentException shift = assertThrows(IllegalArgumentException.class, () -> Normalization.of(
                Normalization.Mode.STANDARDIZE_GLOBAL, 2, new float[] {1e30f}, new float[] {1e-10f}));
        assertTrue(shift.getMessage().contains("overflows float32"), shift.getMessage());
    }

    @Test
    void everyApplyFormGivesTheFormula() {
        float[] mean = {10f, -3f, 0.5f, 100f, 7f};
        float[] std = {2f, 0.25f, 1f, 50f, 3f};
        Normalization norm = Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, 5, mean, std);
        float[] raw = {0f, 12f, 255f, 100f, 1f};
        float[] out = new float[5];
        norm.apply(raw, out);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(20);
            MemorySegment.copy(raw, 0, in, ValueLayout.JAVA_FLOAT, 0, 5);
            MemorySegment seg = arena.allocate(20);
            norm.apply(in, seg);
            MemorySegment bytes = arena.allocate(8);
            for (int j = 0; j < 5; j++) {
                bytes.set(ValueLayout.JAVA_BYTE, 3 + j, (byte) (int) raw[j]);
            }
            MemorySegment fromBytes = arena.allocate(24);
            norm.applyBytes(bytes, 3, fromBytes, 4);
            for (int j = 0; j < 5; j++) {
                double expected = (raw[j] - mean[j]) / std[j];
                assertEquals(expected, out[j], 1e-5 * Math.max(1, Math.abs(expected)), "float[] " + j);
                assertEquals(out[j], seg.getAtIndex(ValueLayout.JAVA_FLOAT, j), "segment " + j);
                assertEquals(out[j], fromBytes.get(ValueLayout.JAVA_FLOAT, 4 + 4L * j), "bytes " + j);
            }
            norm.apply(in, in);
            assertEquals(-1, in.mismatch(seg), "in place gives the same");
            assertThrows(IllegalArgumentException.class, () -> norm.apply(arena.allocate(16), seg));
            assertThrows(IllegalArgumentException.class, () -> norm.applyBytes(bytes, 4, fromBytes, 0));
        }
        assertThrows(IllegalArgumentException.class, () -> norm.apply(new float[4], new float[5]));
    }

    @Test
    void scaleAndNoneAreFixedMaps() {
        Normalization unit = Normalization.scaleToUnit(3);
        float[] out = new float[3];
        unit.apply(new float[] {0f, 51f, 255f}, out);
        assertArrayEquals(new float[] {0f, 0.2f, 1f}, out, 1e-7f);
        assertEquals(1f, out[2], "255 maps to exactly 1");
        Normalization none = Normalization.none(3);
        none.apply(new float[] {0f, 51f, 255f}, out);
        assertArrayEquals(new float[] {0f, 51f, 255f}, out);
    }

    @Test
    void storedFormRoundTripsAndIsValidated() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 2, 3, IdxTestFiles.cyclicLabels(40, 10), 10)) {
            for (Normalization.Mode mode : Normalization.Mode.values()) {
                Normalization fitted = Normalization.fit(mode, s.data());
                Normalization restored = Normalization.of(fitted.mode(), fitted.features(), fitted.mean(), fitted.std());
                assertEquals(fitted, restored, mode.toString());
                float[] a = new float[6];
                float[] b = new float[6];
                float[] row = {1f, 2f, 3f, 200f, 0f, 9f};
                fitted.apply(row, a);
                restored.apply(row, b);
                assertArrayEquals(a, b, mode.toString());
            }
        }
        var mode = Normalization.Mode.STANDARDIZE_PER_FEATURE;
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(mode, 3, new float[2], new float[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(mode, 2, new float[2], new float[] {1, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(mode, 2, new float[] {Float.NaN, 0}, new float[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(Normalization.Mode.SCALE_TO_UNIT, 2, new float[] {0}, new float[] {254}));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(Normalization.Mode.STANDARDIZE_GLOBAL, 2, new float[2], new float[2]));
        assertThrows(IllegalArgumentException.class, () -> Normalization.scaleToUnit(0));
    }
}

package dev.gatun.data;

import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Regularization;
import dev.gatun.nn.Targets;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchesTest {
    private static final Duration NO_HANG = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private IdxTestFiles.Synthetic synthetic(int n) throws IOException {
        return IdxTestFiles.synthetic(dir, 6, 5, IdxTestFiles.cyclicLabels(n, 10), 10);
    }

    /** The data-set indices of {@code epochs} epochs of batches, one int[] per epoch in batch order. */
    private static int[][] epochs(Batches batches, int epochs) {
        int[][] result = new int[epochs][];
        for (int e = 0; e < epochs; e++) {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < batches.batchesPerEpoch(); k++) {
                Batch batch = batches.next();
                assertEquals(e, batch.epoch());
                assertEquals(k, batch.index());
                for (int r = 0; r < batch.size(); r++) {
                    order.add(batch.sample(r));
                }
            }
            result[e] = order.stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    @Test
    void everySampleExactlyOncePerEpochWithTheLastPartialBatchKept() throws IOException {
        try (var s = synthetic(103); Batches batches = Batches.over(s.data(), 10).seed(5).build()) {
            assertEquals(11, batches.batchesPerEpoch());
            for (int[] epoch : epochs(batches, 3)) {
                int[] sorted = epoch.clone();
                Arrays.sort(sorted);
                int[] all = new int[103];
                Arrays.setAll(all, i -> i);
                assertArrayEquals(all, sorted);
            }
        }
    }

    /** "One batch of everything": the batch holds the data set's rows, not room for the size asked (17 GB here). */
    @Test
    void aBatchSizeBeyondTheDataSetGivesOneBatchOfEveryRow() throws IOException {
        for (boolean prefetch : new boolean[] {false, true}) {
            try (var s = synthetic(7);
                 Batches batches = Batches.over(s.data(), Integer.MAX_VALUE).seed(5).prefetch(prefetch).build()) {
                assertEquals(1, batches.batchesPerEpoch());
                for (int[] epoch : epochs(batches, 2)) {
                    assertEquals(7, Arrays.stream(epoch).distinct().count());
                }
                Batch batch = batches.next();
                assertEquals(7, batch.X().rows());
            }
        }
    }

    @Test
    void droppingTheLastBatchLeavesEachSampleAtMostOnce() throws IOException {
        try (var s = synthetic(103); Batches batches = Batches.over(s.data(), 10).seed(5).dropLast(true).build()) {
            assertEquals(10, batches.batchesPerEpoch());
            for (int[] epoch : epochs(batches, 2)) {
                assertEquals(100, epoch.length);
                assertEquals(100, Arrays.stream(epoch).distinct().count());
            }
        }
    }

    @Test
    void sameSeedSameOrderDifferentSeedsAndEpochsDiffer() throws IOException {
        try (var s = synthetic(200)) {
            int[][] a;
            int[][] b;
            int[][] c;
            try (Batches x = Batches.over(s.data(), 16).seed(1).build()) {
                a = epochs(x, 2);
            }
            try (Batches x = Batches.over(s.data(), 16).seed(1).build()) {
                b = epochs(x, 2);
            }
            try (Batches x = Batches.over(s.data(), 16).seed(2).build()) {
                c = epochs(x, 2);
            }
            assertArrayEquals(a[0], b[0]);
            assertArrayEquals(a[1], b[1]);
            assertFalse(Arrays.equals(a[0], c[0]), "seed 2 must give another order than seed 1");
            assertFalse(Arrays.equals(a[0], a[1]), "each epoch has its own permutation");
            try (Batches resumed = Batches.over(s.data(), 16).seed(1).firstEpoch(1).build()) {
                Batch first = resumed.next();
                assertEquals(1, first.epoch());
                assertEquals(a[1][0], first.sample(0), "resuming at epoch 1 gives epoch 1's order");
            }
        }
    }

    @Test
    void sequentialOrderIsTheDataSetsOrder() throws IOException {
        try (var s = synthetic(25); Batches batches = Batches.over(s.data(), 7).shuffle(false).build()) {
            int[] all = new int[25];
            Arrays.setAll(all, i -> i);
            for (int[] epoch : epochs(batches, 2)) {
                assertArrayEquals(all, epoch);
            }
        }
    }

    @Test
    void rowsHoldNormalisedPixelsAndLabelsTheirSamples() throws IOException {
        try (var s = synthetic(53)) {
            DataSet data = s.data();
            Normalization norm = Normalization.standardizePerFeature(data);
            float[] mean = norm.mean();
            float[] std = norm.std();
            try (Batches batches = Batches.over(data, 20).seed(3).normalization(norm).build()) {
                for (int k = 0; k < 6; k++) {
                    Batch batch = batches.next();
                    int m = k % 3 == 2 ? 13 : 20;
                    assertEquals(m, batch.size());
                    Tensor X = batch.X();
                    assertArrayEquals(new long[] {m, 30}, X.shape());
                    assertEquals(4L * m, batch.labels().byteSize());
                    Tensor Y = batch.Y();
                    assertArrayEquals(new long[] {m, 10}, Y.shape());
                    for (int r = 0; r < m; r++) {
                        int sample = batch.sample(r);
                        assertEquals(data.label(sample), batch.labels().getAtIndex(ValueLayout.JAVA_INT, r));
                        assertEquals(data.label(sample), batch.label(r));
                        for (int c = 0; c < 10; c++) {
                            assertEquals(c == data.label(sample) ? 1.0 : 0.0, Y.get(r, c), "one-hot row " + r);
                        }
                        for (int j = 0; j < 30; j++) {
                            double raw = data.pixels(sample).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                            double expected = (raw - mean[j]) / std[j];
                            assertEquals(expected, X.get(r, j), 1e-5 * Math.max(1, Math.abs(expected)));
                        }
                    }
                }
            }
        }
    }

    private static Model model(Arena arena, int outputs, Loss loss) {
        return Model.build(new ModelSpec(30, List.of(), outputs, loss, Init.HE, Regularization.NONE, 1), DType.F32, arena);
    }

    @Test
    void targetsAreTheLabelsForAClassifierAndTheOneHotRowsOtherwise() throws IOException {
        try (var s = synthetic(53); Arena arena = Arena.ofConfined();
             Model softmax = model(arena, 10, Loss.SOFTMAX_CROSS_ENTROPY);
             Model sigmoids = model(arena, 10, Loss.BINARY_CROSS_ENTROPY);
             Batches batches = Batches.over(s.data(), 20).seed(3).build()) {
            List<Targets> handedOut = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                Batch batch = batches.next();
                int m = k % 3 == 2 ? 13 : 20;
                Targets.Labels labels = assertInstanceOf(Targets.Labels.class, batch.targetsFor(softmax));
                assertEquals(m, labels.count(), "batch " + k + ": one label per row, the partial batch included");
                Targets.Dense oneHot = assertInstanceOf(Targets.Dense.class, batch.targetsFor(sigmoids));
                assertArrayEquals(new long[] {m, 10}, oneHot.values().shape());
                for (int r = 0; r < m; r++) {
                    int label = s.data().label(batch.sample(r));
                    assertEquals(label, labels.get(r));
                    for (int c = 0; c < 10; c++) {
                        assertEquals(c == label ? 1.0 : 0.0, oneHot.values().get(r, c), "one-hot row " + r);
                    }
                }
                if (k >= 3) {
                    assertSame(handedOut.get(2 * (k - 3)), labels, "batch " + k + ": the labels wrapper is reused");
                    assertSame(handedOut.get(2 * (k - 3) + 1), oneHot, "batch " + k + ": the one-hot wrapper is reused");
                }
                handedOut.add(labels);
                handedOut.add(oneHot);
            }
        }
    }

    @Test
    void defaultNormalisationScalesToUnit() throws IOException {
        try (var s = synthetic(10); Batches batches = Batches.over(s.data(), 10).shuffle(false).build()) {
            Batch batch = batches.next();
            for (int j = 0; j < 30; j++) {
                assertEquals((s.data().pixels(4).get(ValueLayout.JAVA_BYTE, j) & 0xFF) / 255.0, batch.X().get(4, j), 1e-6);
            }
            assertEquals(Normalization.Mode.SCALE_TO_UNIT, batches.normalization().mode());
        }
    }

    @Test
    void prefetchingGivesTheSameStreamAndStopsCleanly() throws IOException {
        try (var s = synthetic(77)) {
            Augmentation aug = Augmentation.flipAndShift();
            try (Batches plain = Batches.over(s.data(), 8).seed(4).augmentation(aug).build();
                 Batches ahead = Batches.over(s.data(), 8).seed(4).augmentation(aug).prefetch(true).build()) {
                assertTrue(ahead.prefetching());
                assertTrue(ahead.prefetchThreadAlive());
                for (int k = 0; k < 3 * plain.batchesPerEpoch() + 2; k++) {
                    Batch p = plain.next();
                    Batch q = ahead.next();
                    assertEquals(p.size(), q.size());
                    assertEquals(p.epoch(), q.epoch());
                    assertEquals(p.index(), q.index());
                    assertEquals(-1, p.X().segment().mismatch(q.X().segment()), "batch " + k + " inputs");
                    assertEquals(-1, p.labels().mismatch(q.labels()), "batch " + k + " labels");
                }
                assertTimeoutPreemptively(NO_HANG, ahead::close);
                assertFalse(ahead.prefetchThreadAlive(), "close must end the prefetch thread");
                assertThrows(IllegalStateException.class, ahead::next);
            }
        }
    }

    @Test
    void prefetchFailureReachesTheConsumer() throws IOException {
        var s = synthetic(64);
        Batches batches = Batches.over(s.data(), 4).prefetch(true).build();
        try {
            assertNotNull(batches.next());
            s.close();
            IllegalStateException failure = assertTimeoutPreemptively(NO_HANG, () -> {
                // Up to two batches may have been filled before the files were closed; the third cannot be.
                for (int k = 0; k < 3; k++) {
                    try {
                        batches.next();
                    } catch (IllegalStateException e) {
                        return e;
                    }
                }
                return null;
            });
            assertNotNull(failure, "closing the data set under the prefetcher must surface in next()");
            assertTrue(failure.getMessage().contains("prefetch") && failure.getCause() != null,
                    "the consumer sees the producer's failure as the cause: " + failure);
            assertTrue(String.valueOf(failure.getCause().getMessage()).contains("closed"), failure.toString());
            assertThrows(IllegalStateException.class, batches::next, "and keeps seeing it");
        } finally {
            assertTimeoutPreemptively(NO_HANG, batches::close);
        }
        assertFalse(batches.prefetchThreadAlive());
    }

    @Test
    void closedDataSetOrBatchesRefuseToServe() throws IOException {
        var s = synthetic(30);
        Batches batches = Batches.over(s.data(), 4).build();
        batches.next();
        s.close();
        IllegalStateException closedData = assertThrows(IllegalStateException.class, batches::next);
        assertTrue(closedData.getMessage().contains("closed"), closedData.getMessage());
        batches.close();
        batches.close();
        assertThrows(IllegalStateException.class, batches::next);
    }

    @Test
    void badConfigurationsAreRefused() throws IOException {
        try (var s = synthetic(30)) {
            DataSet data = s.data();
            assertThrows(IllegalArgumentException.class, () -> Batches.over(data, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> Batches.over(data, 4).normalization(Normalization.scaleToUnit(29)).build());
            assertThrows(IllegalArgumentException.class, () -> Batches.over(data, 31).dropLast(true).build());
            assertThrows(IllegalArgumentException.class, () -> Batches.over(data, 4).firstEpoch(-1));
            // Images of 6x5: a shift of 5 moves every pixel out; 2^30 overflowed the shift's draw.
            for (int shift : new int[] {5, 1 << 30}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Batches.over(data, 4).augmentation(new Augmentation(false, shift)).build());
                assertTrue(e.getMessage().contains("shift of " + shift + " pixels must be smaller")
                        && e.getMessage().contains("6x5"), e.getMessage());
            }
            try (Batches fits = Batches.over(data, 4).augmentation(new Augmentation(false, 4)).build()) {
                assertEquals(4, fits.next().size());
            }
        }
        Path flat = IdxTestFiles.write(dir.resolve("flat"), IdxType.UNSIGNED_BYTE, new int[] {3}, new double[] {1, 2, 3});
        Path labels = IdxTestFiles.writeLabels(dir.resolve("flat-labels"), new int[] {0, 1, 0});
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        try (IdxFile im = IdxFile.open(flat, cache); IdxFile lb = IdxFile.open(labels, cache)) {
            DataSet vectors = DataSet.of("flat", im, lb, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Batches.over(vectors, 2).augmentation(Augmentation.flipAndShift()).build());
            assertTrue(e.getMessage().contains("(1)"), e.getMessage());
        }
    }

    /** The normalised image of {@code sample} flipped (or not) and then shifted by (dx, dy): a direct reading of the definition. */
    private static float[] transformed(DataSet data, int sample, boolean flip, int dx, int dy, Normalization norm) {
        int h = 6;
        int w = 5;
        float[] mean = norm.mean();
        float[] std = norm.std();
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sy = y - dy;
                int sx = x - dx;
                double raw = 0;
                if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
                    int col = flip ? w - 1 - sx : sx;
                    raw = data.pixels(sample).get(ValueLayout.JAVA_BYTE, (long) sy * w + col) & 0xFF;
                }
                int j = y * w + x;
                int stat = mean.length == 1 ? 0 : j;
                out[j] = (float) ((raw - mean[stat]) / std[stat]);
            }
        }
        return out;
    }

    @Test
    void augmentedRowsAreFlipsAndShiftsOfTheirSamples() throws IOException {
        try (var s = synthetic(240)) {
            DataSet data = s.data();
            Normalization norm = Normalization.standardizePerFeature(data);
            Set<String> seen = new HashSet<>();
            try (Batches batches = Batches.over(data, 32).seed(8).normalization(norm)
                    .augmentation(Augmentation.flipAndShift()).build()) {
                for (int k = 0; k < batches.batchesPerEpoch(); k++) {
                    Batch batch = batches.next();
                    float[] row = new float[30];
                    for (int r = 0; r < batch.size(); r++) {
                        for (int j = 0; j < 30; j++) {
                            row[j] = (float) batch.X().get(r, j);
                        }
                        String match = matchingTransform(data, batch.sample(r), row, norm);
                        assertNotNull(match, "row " + r + " of batch " + k + " is no flip/shift of sample "
                                + batch.sample(r) + ": " + Arrays.toString(row));
                        seen.add(match);
                    }
                }
            }
            assertTrue(seen.stream().anyMatch(t -> t.startsWith("flip")) && seen.stream().anyMatch(t -> t.startsWith("keep")),
                    "both flipped and unflipped images must occur: " + seen);
            assertTrue(seen.size() >= 30, "240 draws should cover most of the 50 transforms, saw " + seen.size());
        }
    }

    private static String matchingTransform(DataSet data, int sample, float[] row, Normalization norm) {
        for (boolean flip : new boolean[] {false, true}) {
            for (int dx = -2; dx <= 2; dx++) {
                for (int dy = -2; dy <= 2; dy++) {
                    if (near(transformed(data, sample, flip, dx, dy, norm), row)) {
                        return (flip ? "flip" : "keep") + " dx " + dx + " dy " + dy;
                    }
                }
            }
        }
        return null;
    }

    @Test
    void augmentationIsOffByDefaultAndFlipOnlyNeverShifts() throws IOException {
        try (var s = synthetic(40)) {
            Normalization norm = Normalization.scaleToUnit(30);
            try (Batches plain = Batches.over(s.data(), 40).seed(2).build();
                 Batches none = Batches.over(s.data(), 40).seed(2).augmentation(Augmentation.NONE).build();
                 Batches flips = Batches.over(s.data(), 40).seed(2).augmentation(new Augmentation(true, 0)).build()) {
                Batch a = plain.next();
                Batch b = none.next();
                Batch f = flips.next();
                assertEquals(-1, a.X().segment().mismatch(b.X().segment()));
                int flipped = 0;
                float[] row = new float[30];
                for (int r = 0; r < 40; r++) {
                    assertArrayEquals(transformed(s.data(), a.sample(r), false, 0, 0, norm), rowOf(a, r, row), 1e-6f);
                    rowOf(f, r, row);
                    boolean isFlip = near(transformed(s.data(), f.sample(r), true, 0, 0, norm), row);
                    assertTrue(isFlip || near(transformed(s.data(), f.sample(r), false, 0, 0, norm), row));
                    flipped += isFlip ? 1 : 0;
                }
                assertNotEquals(0, flipped);
                assertNotEquals(40, flipped);
            }
        }
    }

    /** Equal within float32 rounding of the normalisation arithmetic. */
    private static boolean near(float[] expected, float[] actual) {
        for (int j = 0; j < actual.length; j++) {
            if (Math.abs(expected[j] - actual[j]) > 1e-5 * Math.max(1, Math.abs(expected[j]))) {
                return false;
            }
        }
        return true;
    }

    private static float[] rowOf(Batch batch, int r, float[] row) {
        for (int j = 0; j < row.length; j++) {
            row[j] = (float) batch.X().get(r, j);
        }
        return row;
    }
}

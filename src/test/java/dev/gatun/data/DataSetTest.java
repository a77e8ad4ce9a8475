package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetTest {
    @TempDir
    Path dir;

    /** 100 samples: class 0 ×50, class 1 ×30, class 2 ×20, interleaved. */
    private static int[] unevenLabels() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2;
        }
        return labels;
    }

    private static int[] fileRows(DataSet data) {
        int[] rows = new int[data.size()];
        Arrays.setAll(rows, data::fileRow);
        return rows;
    }

    @Test
    void describesItsFiles() throws IOException {
        int[] labels = unevenLabels();
        try (var s = IdxTestFiles.synthetic(dir, 3, 4, labels, 3)) {
            DataSet data = s.data();
            assertEquals(100, data.size());
            assertEquals(12, data.features());
            assertEquals(3, data.classes());
            assertArrayEquals(new long[] {3, 4}, data.sampleShape());
            assertArrayEquals(new int[] {50, 30, 20}, data.classCounts());
            for (int i = 0; i < 100; i++) {
                assertEquals(labels[i], data.label(i));
                byte[] pixels = data.pixels(i).toArray(ValueLayout.JAVA_BYTE);
                for (int p = 0; p < 12; p++) {
                    assertEquals((7 * i + 3 * p) % 256, pixels[p] & 0xFF, "sample " + i + " pixel " + p);
                }
            }
        }
    }

    @Test
    void firstNKeepsTheOrder() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 2, 2, unevenLabels(), 3)) {
            DataSet first = s.data().first(7);
            assertEquals(7, first.size());
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, fileRows(first));
            assertArrayEquals(new int[] {5, 2, 0}, first.classCounts());
            assertThrows(IllegalArgumentException.class, () -> s.data().first(0));
            assertThrows(IllegalArgumentException.class, () -> s.data().first(101));
        }
    }

    @Test
    void stratifiedSubsetKeepsClassSharesAndIsSeeded() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 2, 2, unevenLabels(), 3)) {
            DataSet data = s.data();
            // 10 of 100 at 50/30/20 %: 5, 3, 2 exactly.
            assertArrayEquals(new int[] {5, 3, 2}, data.stratified(10, 1).classCounts());
            // 7 of 100: floors 3, 2, 1 (remainders 50, 10, 40) -> the leftover goes to class 0.
            assertArrayEquals(new int[] {4, 2, 1}, data.stratified(7, 1).classCounts());
            // 9 of 100: floors 4, 2, 1 (remainders 50, 70, 80) -> leftovers to classes 2 then 1.
            assertArrayEquals(new int[] {4, 3, 2}, data.stratified(9, 1).classCounts());
            DataSet a = data.stratified(30, 7);
            int[] rows = fileRows(a);
            assertEquals(30, new HashSet<>(Arrays.stream(rows).boxed().toList()).size(), "no sample twice");
            int[] sorted = rows.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, rows, "samples keep the data set's order");
            for (int i = 0; i < a.size(); i++) {
                assertEquals(data.label(a.fileRow(i)), a.label(i), "labels follow their samples");
            }
            assertArrayEquals(rows, fileRows(data.stratified(30, 7)), "same seed, same subset");
            assertFalse(Arrays.equals(rows, fileRows(data.stratified(30, 8))), "another seed, another subset");
            assertArrayEquals(new int[] {50, 30, 20}, data.stratified(100, 3).classCounts());
        }
    }

    @Test
    void splitPartitionsBySeed() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 2, 2, unevenLabels(), 3)) {
            DataSet data = s.data();
            DataSet.Split split = data.split(25, 11);
            assertEquals(75, split.train().size());
            assertEquals(25, split.dev().size());
            Set<Integer> seen = new HashSet<>();
            for (int r : fileRows(split.train())) {
                assertTrue(seen.add(r));
            }
            for (int r : fileRows(split.dev())) {
                assertTrue(seen.add(r), "row " + r + " is in both parts");
            }
            assertEquals(100, seen.size(), "together the parts hold every sample");
            int[] counts = split.train().classCounts();
            int[] devCounts = split.dev().classCounts();
            for (int c = 0; c < 3; c++) {
                assertEquals(data.classCounts()[c], counts[c] + devCounts[c]);
            }
            assertArrayEquals(fileRows(split.dev()), fileRows(data.split(25, 11).dev()), "same seed, same split");
            assertNotEquals(Arrays.toString(fileRows(split.dev())), Arrays.toString(fileRows(data.split(25, 12).dev())));
            DataSet.Split ofTrain = split.train().split(5, 3);
            for (int r : fileRows(ofTrain.dev())) {
                assertTrue(Arrays.stream(fileRows(split.train())).anyMatch(t -> t == r), "a split of a view stays inside it");
            }
            assertThrows(IllegalArgumentException.class, () -> data.split(0, 1));
            assertThrows(IllegalArgumentException.class, () -> data.split(100, 1));
        }
    }

    @Test
    void defaultDevSetIsFiveThousand() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 1, 1, IdxTestFiles.cyclicLabels(6000, 10), 10)) {
            DataSet.Split split = s.data().split(42);
            assertEquals(5000, split.dev().size());
            assertEquals(1000, split.train().size());
        }
    }

    @Test
    void labelsMustFitTheClassesAndTheImages() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path imageFile = IdxTestFiles.writeImages(dir.resolve("images"), 4, 2, 2);
        try (IdxFile images = IdxFile.open(imageFile, cache);
             IdxFile three = IdxFile.open(IdxTestFiles.writeLabels(dir.resolve("three"), new int[] {0, 1, 2}), cache);
             IdxFile outside = IdxFile.open(IdxTestFiles.writeLabels(dir.resolve("outside"), new int[] {0, 1, 12, 2}), cache);
             IdxFile negative = IdxFile.open(IdxTestFiles.write(dir.resolve("negative"), IdxType.SIGNED_BYTE,
                     new int[] {4}, new double[] {0, -1, 1, 1}), cache);
             IdxFile floats = IdxFile.open(IdxTestFiles.write(dir.resolve("floats"), IdxType.FLOAT,
                     new int[] {4}, new double[] {0, 1, 1, 1}), cache);
             IdxFile pairs = IdxFile.open(IdxTestFiles.write(dir.resolve("pairs"), IdxType.UNSIGNED_BYTE,
                     new int[] {4, 2}, new double[8]), cache);
             IdxFile ints = IdxFile.open(IdxTestFiles.write(dir.resolve("ints"), IdxType.INT,
                     new int[] {4}, new double[] {3, 0, 70000, 1}), cache)) {
            DataFileException count = assertThrows(DataFileException.class, () -> DataSet.of("t", images, three, 10));
            assertEquals(three.path(), count.file());
            assertTrue(count.expected().contains("4 labels") && count.expected().contains(imageFile.toString()),
                    count.getMessage());
            assertEquals("3 labels", count.found());

            DataFileException range = assertThrows(DataFileException.class, () -> DataSet.of("t", images, outside, 10));
            assertEquals("label 2", range.field());
            assertEquals(8 + 2, range.offset());
            assertEquals("a class index in 0..9", range.expected());
            assertEquals("12", range.found());

            assertEquals("-1", assertThrows(DataFileException.class,
                    () -> DataSet.of("t", images, negative, 10)).found());
            assertEquals("70000", assertThrows(DataFileException.class, () -> DataSet.of("t", images, ints, 10)).found());
            assertEquals(3, DataSet.of("t", images, ints, 70001).label(0), "int32 labels are read as such");
            assertTrue(assertThrows(DataFileException.class, () -> DataSet.of("t", images, floats, 10))
                    .found().contains("float32"));
            assertEquals("shape (4, 2)", assertThrows(DataFileException.class,
                    () -> DataSet.of("t", images, pairs, 10)).found());
            DataFileException notBytes = assertThrows(DataFileException.class, () -> DataSet.of("t", floats, three, 10));
            assertEquals(floats.path(), notBytes.file());
            assertThrows(IllegalArgumentException.class, () -> DataSet.of("t", images, three, 0));
        }
    }

    @Test
    void viewsDieWithTheirFiles() throws IOException {
        var s = IdxTestFiles.synthetic(dir, 2, 2, unevenLabels(), 3);
        DataSet dev = s.data().split(10, 1).dev();
        assertTrue(dev.isOpen());
        s.close();
        assertFalse(dev.isOpen());
        assertThrows(IllegalStateException.class, () -> dev.label(0));
        assertThrows(IllegalStateException.class, () -> dev.pixels(0).get(ValueLayout.JAVA_BYTE, 0));
    }
}

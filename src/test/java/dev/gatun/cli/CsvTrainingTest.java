package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.FashionMnist;
import dev.gatun.data.MnistDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training from CSV gives exactly what training from IDX gives on the same images. It must, not just nearly: with
 * the same seed the weights start the same, the dev split and every epoch's permutation depend only on the seed and
 * the sample count, the CSV cells hold the same integers 0..255 as the image bytes (exact in float32), the float
 * gather computes the same {@code fma(x, 1/255, 0)} as the byte gather, and integer labels 0..9 sort to classes
 * 0..9. So every batch, every step and the final weights are bit-identical, and so are the accuracies and losses.
 */
class CsvTrainingTest {
    private static final int TRAIN = 6000;
    private static final int TEST = 2000;

    @TempDir
    Path dir;

    @Test
    void fashionMnistAsCsvTrainsToTheSameTestAccuracyAsTheIdxFiles() throws IOException {
        Path idx = Files.createDirectories(dir.resolve("idx"));
        Path trainCsv = dir.resolve("train.csv");
        Path testCsv = dir.resolve("test.csv");
        try (MnistDirectory fashion = FashionMnist.load()) {
            convert(fashion.train(), TRAIN, idx, "train", trainCsv);
            convert(fashion.test(), TEST, idx, "t10k", testCsv);
        }
        String[] common = {"--layers", "784,64,10", "--epochs", "1", "--dev", "500", "--seed", "7", "--batch", "64",
                "--normalize", "scale-to-unit", "--json"};
        CommandRun fromIdx = gatun(concat(List.of("train", "--data", idx.toString()), common));
        CommandRun fromCsv = gatun(concat(List.of("train", "--data", trainCsv.toString(), "--label", "label",
                "--test", testCsv.toString()), common));
        assertEquals(0, fromIdx.exit(), fromIdx.toString());
        assertEquals(0, fromCsv.exit(), fromCsv.toString());
        assertEquals(TEST, fromCsv.number("test_samples"));
        assertTrue(fromIdx.number("test_accuracy") > 0.6, "one epoch on 5,500 images learns: " + fromIdx.json());
        for (String key : List.of("test_accuracy", "test_loss", "dev_accuracy", "dev_loss", "train_loss")) {
            assertEquals(fromIdx.number(key), fromCsv.number(key), 0.0, key + "\nidx " + fromIdx.json() + "\ncsv "
                    + fromCsv.json());
        }
    }

    private static String[] concat(List<String> head, String[] tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    /** The first {@code n} images as IDX files (images and labels) and as one CSV file, label first. */
    private static void convert(DataSet set, int n, Path idxDir, String prefix, Path csv) throws IOException {
        try (DataOutputStream images = new DataOutputStream(new java.io.BufferedOutputStream(
                     Files.newOutputStream(idxDir.resolve(prefix + "-images-idx3-ubyte"))));
             DataOutputStream labels = new DataOutputStream(new java.io.BufferedOutputStream(
                     Files.newOutputStream(idxDir.resolve(prefix + "-labels-idx1-ubyte"))));
             BufferedWriter rows = Files.newBufferedWriter(csv)) {
            images.writeInt(0x0803);
            images.writeInt(n);
            images.writeInt(28);
            images.writeInt(28);
            labels.writeInt(0x0801);
            labels.writeInt(n);
            StringBuilder header = new StringBuilder("label");
            for (int j = 1; j <= 784; j++) {
                header.append(",pixel").append(j);
            }
            rows.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                labels.writeByte(set.label(i));
                line.setLength(0);
                line.append(set.label(i));
                for (int j = 0; j < 784; j++) {
                    int pixel = set.pixels(i).get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                    images.writeByte(pixel);
                    line.append(',').append(pixel);
                }
                rows.write(line.append('\n').toString());
            }
        }
    }
}

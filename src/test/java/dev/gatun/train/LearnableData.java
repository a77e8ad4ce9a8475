package dev.gatun.train;

import dev.gatun.data.IdxCache;
import dev.gatun.data.IdxTestFiles;
import dev.gatun.data.IdxType;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Table;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A small MNIST-format directory a network can learn perfectly: 8×8 uint8 images of 4 classes, class k lighting
 * up quadrant k over background noise. Training on it takes milliseconds, so trainer and command tests can run
 * whole runs.
 */
public final class LearnableData {
    public static final int SIDE = 8;
    public static final int FEATURES = SIDE * SIDE;
    public static final int CLASSES = 4;

    private LearnableData() {}

    /** The same shape as float32 features in a {@link Table}: {@code rows} one-hot rows of 0.5, labels in turn. */
    public static Table floatTable(int rows) {
        float[][] x = new float[rows][FEATURES];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            x[i][i % FEATURES] = 0.5f;
            y[i] = i % CLASSES;
        }
        return Table.ofLabels("floats", x, y, CLASSES);
    }

    /** {@code n} rows of {@code features} with a 1 at feature {@code i % features}, labels 0 and 1 in turn. */
    public static Table oneHotRows(int n, int features) {
        float[][] x = new float[n][features];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i][i % features] = 1;
            y[i] = i % 2;
        }
        return Table.ofLabels("rows", x, y, 2);
    }

    /** Writes the four files (train and t10k) under {@code dir}; {@code randomLabels} makes the train labels noise. */
    public static Path write(Path dir, int trainSize, int testSize, long seed, boolean randomLabels) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        writeSet(dir, "train", trainSize, random, randomLabels);
        writeSet(dir, "t10k", testSize, random, false);
        return dir;
    }

    public static MnistDirectory load(Path dir) throws IOException {
        return MnistDirectory.load(dir, CLASSES, IdxCache.at(dir.resolve("cache")));
    }

    private static void writeSet(Path dir, String prefix, int n, SplittableRandom random, boolean randomLabels)
            throws IOException {
        double[] pixels = new double[n * FEATURES];
        double[] labels = new double[n];
        for (int i = 0; i < n; i++) {
            int k = random.nextInt(CLASSES);
            for (int r = 0; r < SIDE; r++) {
                for (int c = 0; c < SIDE; c++) {
                    int quadrant = (r / (SIDE / 2)) * 2 + c / (SIDE / 2);
                    pixels[i * FEATURES + r * SIDE + c] = quadrant == k ? 120 + random.nextInt(136) : random.nextInt(60);
                }
            }
            labels[i] = randomLabels ? random.nextInt(CLASSES) : k;
        }
        IdxTestFiles.write(dir.resolve(prefix + "-images-idx3-ubyte"), IdxType.UNSIGNED_BYTE, new int[] {n, SIDE, SIDE}, pixels);
        IdxTestFiles.write(dir.resolve(prefix + "-labels-idx1-ubyte"), IdxType.UNSIGNED_BYTE, new int[] {n}, labels);
    }
}

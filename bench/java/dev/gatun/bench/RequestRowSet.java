package dev.gatun.bench;

import dev.gatun.data.IdxFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The rows an inference benchmark calls a predictor with: the first rows of an IDX file of images (Fashion-MNIST's
 * test images by default), or rows of uniform random values in [0, 255] when the input is {@value #RANDOM}.
 *
 * <p>Why real rows, and many of them: the row kernel skips the weights of zero inputs, and half of an image's pixels
 * are zero where a random row has about 3 in 784, so a random row times a path no request takes. And one row on
 * every call lets the branch predictor and the caches learn that row, which no service sees either.
 */
final class RequestRowSet {
    /** The input name for random rows. */
    static final String RANDOM = "random";

    /** The IDX file of images the benchmarks read by default (the Debian package dataset-fashion-mnist). */
    static final String FASHION_MNIST_TEST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    private RequestRowSet() {}

    /**
     * {@code count} rows of {@code inputs} values, one after the other: the first {@code count} items of the IDX
     * file at {@code input}, or random rows drawn from {@code seed} when {@code input} is {@value #RANDOM}.
     *
     * @throws IllegalArgumentException the file's items are not {@code inputs} values each, or it holds fewer than
     *                                  {@code count}
     */
    static float[] rows(String input, int count, int inputs, long seed) {
        float[] rows = new float[Math.multiplyExact(count, inputs)];
        if (RANDOM.equals(input)) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int j = 0; j < rows.length; j++) {
                rows[j] = random.nextInt(256);
            }
            return rows;
        }
        try (IdxFile file = IdxFile.open(Path.of(input))) {
            if (file.itemSize() != inputs || file.count() < count) {
                throw new IllegalArgumentException(input + " holds " + file.count() + " items of " + file.itemSize()
                        + " values; the benchmark needs " + count + " of " + inputs + " (or -p input=" + RANDOM + ")");
            }
            for (int j = 0; j < rows.length; j++) {
                rows[j] = (float) file.get(j);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the benchmark's rows from " + input
                    + " (apt-get install dataset-fashion-mnist, or -p input=" + RANDOM + ")", e);
        }
    }

    /** The same rows as {@link #rows}, each an array of its own, as single-row calls take them. */
    static float[][] singleRows(String input, int count, int inputs, long seed) {
        float[] all = rows(input, count, inputs, seed);
        float[][] singles = new float[count][];
        for (int r = 0; r < count; r++) {
            singles[r] = java.util.Arrays.copyOfRange(all, r * inputs, (r + 1) * inputs);
        }
        return singles;
    }
}

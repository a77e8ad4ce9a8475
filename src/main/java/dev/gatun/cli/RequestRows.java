package dev.gatun.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs {@code gatun benchmark} calls its predictor with: batches of request rows that the calls go through in
 * turn. From a file, up to {@value #MAX_BATCHES} batches of its first rows, as the side-by-side's peers take theirs
 * (a file shorter than one batch is repeated to fill it); otherwise one batch of random values in [0, 255], the same
 * on every call.
 *
 * <p>Why real rows: a service's latency is measured on what it serves, and the side-by-side's peers are timed on
 * the test images; random values are a row that no data set holds. The row kernel leaves out the weights of zero
 * inputs (zero after the model's normalisation: scale-to-unit keeps a 0 pixel at 0, standardising moves it), so its
 * time depends on the values: uniform random values 0–255 are about 3 zeros in 784, where half of an image's pixels
 * are.
 */
final class RequestRows {
    static final int MAX_BATCHES = 64;

    private RequestRows() {}

    /** One batch of {@code batch} random rows of {@code inputs} values in [0, 255], drawn from {@code seed}. */
    static float[][] random(long seed, int batch, int inputs) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[batch * inputs];
        for (int j = 0; j < x.length; j++) {
            x[j] = random.nextInt(256);
        }
        return new float[][] {x};
    }

    /**
     * Batches of {@code batch} rows read from {@code file} (IDX or CSV, as {@code predict --input} reads it), at most
     * {@code maxBatches} of them; rows past the last whole batch are left out.
     *
     * @throws IllegalArgumentException the file holds no rows, or a malformed one (naming it)
     */
    static float[][] fromFile(Path file, int batch, int inputs, List<String> featureNames, int maxBatches)
            throws IOException {
        List<float[]> batches = new ArrayList<>();
        float[] current = new float[batch * inputs];
        int filled = 0;
        try (InputRows rows = InputRows.open(file, inputs, featureNames)) {
            while (batches.size() < maxBatches && rows.next(current, filled * inputs)) {
                if (++filled == batch) {
                    batches.add(current);
                    current = batches.size() < maxBatches ? new float[batch * inputs] : null;
                    filled = 0;
                }
            }
        }
        if (batches.isEmpty()) {
            if (filled == 0) {
                throw new IllegalArgumentException(file + ": holds no request rows");
            }
            for (int r = filled; r < batch; r++) {   // fewer rows than one batch: repeat them
                System.arraycopy(current, (r % filled) * inputs, current, r * inputs, inputs);
            }
            batches.add(current);
        }
        return batches.toArray(new float[0][]);
    }
}

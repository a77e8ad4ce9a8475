package dev.gatun.serve;

/**
 * What {@link Predictor#warmUp()} runs: every prediction path, on rows that look like real requests, until the row
 * path's latency stops improving.
 *
 * <p>Why rows that look real: the JIT compiles each kernel for the branches and value ranges its profile saw, and
 * recompiles (a pause of its own) when a request takes a path the warm-up never did. So the warm-up rows normalise
 * to a spread of positive and negative values of the size a standardised feature has, not to a constant.
 *
 * <p>Why until steady rather than a fixed count: the count that reaches C2 is known, but the compilation then runs
 * in the background, and the first requests would still meet the slower code if the warm-up returned as soon as it
 * had queued it. So after {@link #ROWS} calls it times rounds of {@link #ROUND} calls and stops when a round is no
 * faster than the best so far, twice in a row, or after {@link #MAX_NANOS}; the whole of it ends by
 * {@link #TOTAL_NANOS}, for models so large that the counts alone would take longer.
 */
final class WarmUp {
    /** Single-row calls before the timed rounds: past what the JIT needs to compile the row kernel with C2. */
    static final int ROWS = 20_000;
    /** Calls of each batch path (the row kernel for small batches, sgemm for larger ones, the batch threads). */
    static final int BATCHES = 200;
    static final int ROUND = 1_000;
    /** The largest batch of warm-up rows the batch threads get, in floats: 4 MB (512 rows of 2,048 inputs). */
    static final long SPLIT_FLOATS = 1L << 20;
    static final long MAX_NANOS = 2_000_000_000L;
    /**
     * The whole warm-up's bound. The counts above take well under a second for models of a few hundred thousand
     * weights; a model of 130 MB reads its weights from memory at milliseconds a row, and they would take minutes.
     */
    static final long TOTAL_NANOS = 5_000_000_000L;
    /** Distinct warm-up rows, so that no single row's branches dominate the profile. */
    private static final int DISTINCT = 8;

    private WarmUp() {}

    static void run(Predictor predictor, float[] scale, float[] shift) {
        int inputs = predictor.inputs();
        float[][] rows = new float[DISTINCT][];
        for (int r = 0; r < DISTINCT; r++) {
            rows[r] = row(r, scale, shift);
        }
        long allOver = System.nanoTime() + TOTAL_NANOS;
        float[] out = new float[predictor.outputs()];
        for (int i = 0; i < ROWS && System.nanoTime() < allOver; i++) {   // a clock read costs far less than a row
            single(predictor, rows[i % DISTINCT], out, i);
        }
        // The row kernel, then sgemm, then (with batch threads) the smallest batch they split, unless that batch is
        // larger than SPLIT_FLOATS (many batch threads, wide inputs): its rows, and the slot's buffers for good.
        BatchSplit split = predictor.batchSplit();
        long splitRows = split == null ? 0 : (long) split.threads() * Predictor.BATCH_THREAD_MIN_ROWS;
        int[] sizes = splitRows == 0 || splitRows * inputs > SPLIT_FLOATS
                ? new int[] {Predictor.BLAS_MIN_ROWS - 1, 4 * Predictor.BLAS_MIN_ROWS}
                : new int[] {Predictor.BLAS_MIN_ROWS - 1, 4 * Predictor.BLAS_MIN_ROWS, (int) splitRows};
        for (int m : sizes) {
            if (System.nanoTime() >= allOver) {
                break;
            }
            float[] batch = new float[m * inputs];
            for (int r = 0; r < m; r++) {
                System.arraycopy(rows[r % DISTINCT], 0, batch, r * inputs, inputs);
            }
            float[] outs = new float[m * predictor.outputs()];
            for (int i = 0; i < BATCHES && System.nanoTime() < allOver; i++) {
                predictor.predict(batch, m, outs);
            }
        }
        long deadline = Math.min(allOver, System.nanoTime() + MAX_NANOS);
        long best = Long.MAX_VALUE;
        for (int slower = 0, i = 0; slower < 2 && System.nanoTime() < deadline; ) {
            long start = System.nanoTime();
            for (int end = i + ROUND; i < end; i++) {
                single(predictor, rows[i % DISTINCT], out, i);
            }
            long took = System.nanoTime() - start;
            slower = took < best ? 0 : slower + 1;
            best = Math.min(best, took);
        }
    }

    private static void single(Predictor predictor, float[] row, float[] out, int i) {
        predictor.predict(row, out);
        if (predictor.canClassify() && (i & 7) == 0) {
            predictor.classify(row, out);
        }
    }

    /**
     * Raw inputs whose normalised values follow a fixed pattern in [-1.5, 1.5], different per row r; a feature the
     * normalisation maps to a constant (scale 0) gets the pattern's value as it is.
     */
    static float[] row(int r, float[] scale, float[] shift) {
        float[] row = new float[scale.length];
        for (int j = 0; j < row.length; j++) {
            float z = (((j * 7 + r * 13) % 31) - 15) / 10f;
            float x = scale[j] != 0 ? (z - shift[j]) / scale[j] : z;
            row[j] = Float.isFinite(x) ? x : z;
        }
        return row;
    }
}

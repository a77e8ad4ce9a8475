package dev.gatun.data;

import dev.gatun.kernels.SplitKernels;
import dev.gatun.kernels.SplitMix;
import dev.gatun.kernels.StepPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The endless sequence of batches a {@link Batches} hands out: batch {@code k} is batch {@code k mod B} of epoch
 * {@code first + k / B}, gathered in the order of that epoch's permutation. Filling a batch allocates nothing:
 * the permutation array is reused, and every random draw comes from a {@link SplitMix} reseeded in place. On a
 * thread with {@link SplitKernels} bound (a trainer's) the rows of a batch without augmentation are gathered by the
 * step threads together, in blocks of rows.
 */
final class BatchStream implements StepPool.Chunks {
    /** Separates the augmentation draws from the shuffle draws of the same seed. */
    private static final long AUGMENT_SALT = 0x5DEECE66DL;

    private final DataSet data;
    private final BatchOptions options;
    private final int batchesPerEpoch;
    private final int firstEpoch;
    private final float[] scale;
    private final float[] shift;
    private final Augmenter augmenter;
    private final int[] order;
    private final SplitMix shuffleRng = new SplitMix(0);
    private int orderEpoch = -1;
    /**
     * Rows whose cache lines are requested before any of them is converted. Shuffled rows are random 784-byte
     * pieces of a mapping larger than the caches: converted one by one, each row waits for its own misses (the
     * out-of-order window does not reach the next row). Touching one byte per cache line of 64 rows first puts
     * all their misses in flight together; the conversion then reads them from L1/L2 (64 rows of MNIST: 50 KB).
     * The rows' labels are touched with them: a label lives apart from its row (a byte of the IDX label file, an
     * int of a table's label column), and read only during the conversion it would miss alone, once per row.
     */
    private static final int TOUCH_ROWS = 64;
    /** The touched bytes' sum, kept so the JIT cannot drop the loads that bring the rows in. */
    private long touched;
    // The fill in progress, for its chunks.
    private Batch gatherBatch;
    private int gatherFrom;
    private int gatherRows;
    private int gatherChunks;

    /** {@code options}' batch size, seed and shuffle switch apply; the caller has built the augmenter from it. */
    BatchStream(DataSet data, BatchOptions options, int batchesPerEpoch, int firstEpoch, Normalization normalization,
                Augmenter augmenter) {
        this.data = data;
        this.options = options;
        this.batchesPerEpoch = batchesPerEpoch;
        this.firstEpoch = firstEpoch;
        this.scale = normalization.scale();
        this.shift = normalization.shift();
        this.augmenter = augmenter;
        this.order = new int[data.size()];
    }

    /** Writes batch number {@code k} of the stream into {@code batch}. */
    void fill(Batch batch, long k) {
        if (!data.isOpen()) {
            throw new IllegalStateException("data set " + data.name() + " is closed: its files were unmapped before"
                    + " batch " + k + " could be gathered");
        }
        int epoch = Math.toIntExact(firstEpoch + k / batchesPerEpoch);
        int index = (int) (k % batchesPerEpoch);
        if (epoch != orderEpoch) {
            reorder(epoch);
        }
        int from = index * options.batchSize();
        int m = Math.min(options.batchSize(), data.size() - from);
        batch.reset(m, epoch, index);
        if (augmenter != null) {
            augmenter.startBatch(SplitMix.derive(SplitMix.derive(options.seed() ^ AUGMENT_SALT, epoch), index));
        }
        int features = data.features();
        gatherFrom = from;
        gatherBatch = batch;
        gatherRows = m;
        SplitKernels split = augmenter == null ? SplitKernels.current() : null;
        if (split != null && !(split.reaches(data.featureBody()) && split.reaches(batch.fullX().segment()))) {
            split = null;
        }
        int blocks = (m + TOUCH_ROWS - 1) / TOUCH_ROWS;
        gatherChunks = split == null ? 1 : Math.min(blocks, split.chunks((long) m * features));
        try {
            if (gatherChunks == 1) {
                run(0);
            } else {
                split.run(this, gatherChunks);
            }
        } finally {
            gatherBatch = null;
        }
    }

    /**
     * Chunk {@code c} of the current fill: whole blocks of {@link #TOUCH_ROWS} rows, each touched, then converted.
     * Every row is written from its own sample alone, so chunks on different threads give the batch a single thread
     * gives. An augmenter draws from one generator in row order, so an augmented batch is one chunk.
     */
    @Override
    public void run(int c) {
        int m = gatherRows;
        int blocks = (m + TOUCH_ROWS - 1) / TOUCH_ROWS;
        int firstRow = blocks * c / gatherChunks * TOUCH_ROWS;
        int endRow = Math.min(m, blocks * (c + 1) / gatherChunks * TOUCH_ROWS);
        Batch batch = gatherBatch;
        int from = gatherFrom;
        int features = data.features();
        MemorySegment stored = data.featureBody();
        boolean bytes = data.featureType() == FeatureType.UINT8;
        long rowBytes = (long) features * data.featureType().byteSize();   // over 536 M float features, an int wraps
        int targetWidth = data.targetWidth();
        MemorySegment targets = targetWidth > 0 ? data.targetBody() : null;
        MemorySegment x = batch.fullX().segment();
        MemorySegment labels = batch.fullLabels();
        MemorySegment y = targetWidth > 0 ? batch.fullTargets().segment() : null;
        int[] samples = batch.samples();
        long touched = 0;
        for (int first = firstRow; first < endRow; first += TOUCH_ROWS) {
            int last = Math.min(endRow, first + TOUCH_ROWS);
            for (int row = first; row < last; row++) {
                int sample = order[from + row];
                touched += RowKernels.touch(stored, data.rowOffset(sample), rowBytes);
                if (targets == null) {
                    touched += data.labelUnchecked(sample);
                }
            }
            for (int row = first; row < last; row++) {
                int sample = order[from + row];
                samples[row] = sample;
                if (targets == null) {
                    labels.setAtIndex(ValueLayout.JAVA_INT, row, data.labelUnchecked(sample));
                } else {
                    long targetBytes = 4L * targetWidth;
                    MemorySegment.copy(targets, data.fileRowUnchecked(sample) * targetBytes, y, row * targetBytes,
                            targetBytes);
                }
                long rowOut = 4L * row * features;
                if (augmenter != null) {
                    augmenter.gather(stored, data.rowOffset(sample), x, rowOut, scale, shift);
                } else if (bytes) {
                    RowKernels.bytesToFloats(stored, data.rowOffset(sample), x, rowOut, features, scale, shift, 0);
                } else {
                    RowKernels.affine(stored, data.rowOffset(sample), x, rowOut, features, scale, shift);
                }
            }
        }
        // Chunks on other threads overwrite each other's sum: it only has to be stored somewhere.
        this.touched = touched;
    }

    /** Epoch {@code e}'s order: the identity, or a Fisher-Yates shuffle seeded by (seed, e) alone. */
    private void reorder(int epoch) {
        if (options.shuffle()) {
            shuffle(shuffleRng, options.seed(), epoch, order);
        } else {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }
        orderEpoch = epoch;
    }

    /** Epoch {@code epoch}'s shuffled order of {@code 0..order.length−1} into {@code order}, drawn with {@code rng}. */
    static void shuffle(SplitMix rng, long seed, int epoch, int[] order) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        rng.reseed(SplitMix.derive(seed, epoch));
        rng.shuffle(order, order.length);
    }
}

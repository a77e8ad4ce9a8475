package dev.gatun.data;

import dev.gatun.kernels.SplitMix;
import dev.gatun.tensor.Shapes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * Shuffled mini-batches of a {@link DataSet}, gathered from the mapped pixels straight into reused float32 buffers,
 * with type conversion, normalisation and any augmentation fused into that one pass.
 *
 * <pre>{@code
 * try (Batches batches = Batches.over(split.train(), 128).seed(42).normalization(norm).build()) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (int k = 0; k < batches.batchesPerEpoch(); k++) {
 *             Batch batch = batches.next();          // valid until the next call
 *             model.computeGradients(batch.X(), batch.targetsFor(model));
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #next()} walks an endless sequence: epoch after epoch, each a fresh permutation drawn from
 * (seed, epoch) only, so the same seed gives the same batches whether or not prefetching is on. Every sample
 * appears exactly once per epoch (at most once with {@code dropLast}, which omits the last partial batch).
 *
 * <p><b>Threads.</b> Without prefetching (the default) batches are gathered on the calling thread and nothing else
 * runs. With {@link Builder#prefetch(boolean) prefetch(true)} one extra thread fills batch k+1 while step k runs;
 * it is busy only while gathering and parked otherwise. On a machine where OpenBLAS already uses every core (two
 * threads on two cores here) a busy extra thread can make the BLAS threads collapse, so turn
 * prefetching on only when the BLAS thread count leaves a core free, and measure. Steady state allocates nothing
 * on the Java heap either way.
 *
 * <p>Owns its batch buffers (a shared arena, as the prefetch thread writes them): {@link #close()} stops the
 * prefetch thread and frees them. It does not own the data set's files.
 */
public final class Batches implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Batches.class);

    private final DataSet data;
    private final Normalization normalization;
    private final int batchSize;
    private final int batchesPerEpoch;
    private final Arena arena;
    private final BatchStream stream;
    private final Batch single;
    private final Prefetcher prefetcher;
    private long served;
    private boolean closed;

    private Batches(Builder b) {
        BatchOptions options = b.options;
        this.data = b.data;
        this.normalization = b.normalization != null ? b.normalization : Normalization.defaultFor(b.data);
        this.batchSize = options.batchSize();
        int n = data.size();
        int remainder = n % batchSize;
        this.batchesPerEpoch = n / batchSize + (remainder > 0 && !options.dropLast() ? 1 : 0);
        int partialRows = options.dropLast() ? 0 : remainder;
        Augmenter augmenter = null;
        if (options.augmentation().enabled()) {
            long[] shape = data.sampleShape();
            augmenter = new Augmenter(options.augmentation(), (int) shape[0], (int) shape[1]);
        }
        this.stream = new BatchStream(data, options, batchesPerEpoch, b.firstEpoch, normalization, augmenter);
        this.arena = Arena.ofShared();
        // No batch has more rows than the data set: a batch size of Integer.MAX_VALUE over four rows ("one batch of
        // everything") asked for 17 GB of zeroed memory and an 8 GB heap array.
        int capacity = Math.max(1, Math.min(batchSize, n));
        try {
            Batch first = new Batch(arena, capacity, partialRows, data.features(), data.classes(), data.targetWidth());
            if (options.prefetch()) {
                this.single = null;
                this.prefetcher = new Prefetcher(stream, first,
                        new Batch(arena, capacity, partialRows, data.features(), data.classes(), data.targetWidth()));
            } else {
                this.single = first;
                this.prefetcher = null;
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        LOG.debug("batches over {}: {} per epoch, {}, {}", data, batchesPerEpoch, options, normalization);
    }

    /** Starts configuring batches of {@code batchSize} samples of {@code data}. */
    public static Builder over(DataSet data, int batchSize) {
        return new Builder(data, BatchOptions.of(batchSize));
    }

    /** Starts configuring batches of {@code data} cut as {@code options} say. */
    public static Builder over(DataSet data, BatchOptions options) {
        return new Builder(data, Objects.requireNonNull(options, "batch options"));
    }

    /**
     * The next batch of the sequence. The batch returned by the previous call is handed back to the loader and must
     * no longer be used.
     *
     * @throws IllegalStateException after {@link #close()}, once the data set's files are closed, or (with prefetching)
     *     carrying as its cause whatever the prefetch thread failed with
     */
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("batches over " + data.name() + " are closed");
        }
        Batch batch;
        if (prefetcher != null) {
            batch = prefetcher.next();
        } else {
            stream.fill(single, served);
            batch = single;
        }
        served++;
        return batch;
    }

    /**
     * Fills {@code order} with epoch {@code epoch}'s order of the rows {@code 0..order.length−1} in a shuffled stream
     * of this {@code seed} (epochs counted from 0): the order batches take them in. For a trainer that gathers its
     * batches elsewhere (Gatun on Spark) and wants the batches single-process training takes.
     */
    public static void epochOrder(long seed, int epoch, int[] order) {
        BatchStream.shuffle(new SplitMix(0), seed, epoch, order);
    }

    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    public int batchSize() {
        return batchSize;
    }

    public DataSet dataSet() {
        return data;
    }

    public Normalization normalization() {
        return normalization;
    }

    public boolean prefetching() {
        return prefetcher != null;
    }

    /** True while the prefetch thread is alive (always false without prefetching). */
    boolean prefetchThreadAlive() {
        return prefetcher != null && prefetcher.isRunning();
    }

    /** Stops the prefetch thread (waiting for it) and frees the batch buffers; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (prefetcher != null) {
            prefetcher.close();
        }
        arena.close();
    }

    /**
     * The {@link BatchOptions}, the normalisation and the first epoch of {@link Batches}; every one has a default, so
     * {@code over(data, m).build()} works.
     */
    public static final class Builder {
        private final DataSet data;
        private BatchOptions options;
        private Normalization normalization;
        private int firstEpoch;

        private Builder(DataSet data, BatchOptions options) {
            this.data = Objects.requireNonNull(data, "data");
            this.options = options;
        }

        /** Default: {@link Normalization#defaultFor} the data set. Statistics must come from the training split. */
        public Builder normalization(Normalization normalization) {
            this.normalization = Objects.requireNonNull(normalization, "normalization");
            return this;
        }

        /** Seed of the per-epoch permutations and augmentation draws; default 0. */
        public Builder seed(long seed) {
            this.options = options.withSeed(seed);
            return this;
        }

        /** Default true; false gives the data set's order every epoch (for evaluation). */
        public Builder shuffle(boolean shuffle) {
            this.options = options.withShuffle(shuffle);
            return this;
        }

        /** Default false: the last, smaller batch of an epoch is kept. */
        public Builder dropLast(boolean dropLast) {
            this.options = options.withDropLast(dropLast);
            return this;
        }

        /** Default {@link Augmentation#NONE}; needs samples shaped (height, width). */
        public Builder augmentation(Augmentation augmentation) {
            this.options = options.withAugmentation(augmentation);
            return this;
        }

        /** Default false: see the class comment on threads before turning it on. */
        public Builder prefetch(boolean prefetch) {
            this.options = options.withPrefetch(prefetch);
            return this;
        }

        /** Epoch number of the first batch (to resume training where it stopped); default 0. */
        public Builder firstEpoch(int firstEpoch) {
            if (firstEpoch < 0) {
                throw new IllegalArgumentException("first epoch must be >= 0, got " + firstEpoch);
            }
            this.firstEpoch = firstEpoch;
            return this;
        }

        public Batches build() {
            int batchSize = options.batchSize();
            if (normalization != null && normalization.features() != data.features()) {
                throw new IllegalArgumentException("normalisation for " + normalization.features()
                        + " features does not fit data set " + data.name() + " of " + data.features() + " features");
            }
            if (options.dropLast() && data.size() < batchSize) {
                throw new IllegalArgumentException("data set " + data.name() + " has " + data.size()
                        + " samples: with dropLast not one batch of " + batchSize + " fits");
            }
            if (options.augmentation().enabled()) {
                long[] shape = data.sampleShape();
                if (data.featureType() != FeatureType.UINT8) {
                    throw new IllegalArgumentException("augmentation flips and shifts images of unsigned bytes; data set "
                            + data.name() + " holds " + data.featureType() + " features");
                }
                if (shape.length != 2) {
                    throw new IllegalArgumentException("augmentation needs images of shape (height, width); data set "
                            + data.name() + " has samples of shape " + Shapes.format(shape));
                }
                // A shift of the image's size or more moves every pixel out (all-background rows); one near 2^30
                // overflowed the draw's span and failed on the prefetch thread.
                int maxShift = options.augmentation().maxShift();
                if (maxShift >= Math.min(shape[0], shape[1])) {
                    throw new IllegalArgumentException("augmentation shift of " + maxShift + " pixels must be smaller"
                            + " than the images of data set " + data.name() + ", " + shape[0] + "x" + shape[1]);
                }
            }
            return new Batches(this);
        }
    }
}

package dev.gatun.data;

import java.util.Objects;

/**
 * How {@link Batches} cuts a data set into mini-batches: the batch size, the seed of the per-epoch permutations
 * and augmentation draws, whether to shuffle, whether to drop the last partial batch, the augmentation, and whether
 * a second thread gathers the next batch ahead. The trainer takes the same options and passes them on unchanged.
 *
 * @param batchSize samples per batch, at least 1
 * @param seed seeds the per-epoch permutations and augmentation draws
 * @param shuffle false gives the data set's order every epoch (for evaluation)
 * @param dropLast true omits the last, smaller batch of an epoch
 * @param augmentation {@link Augmentation#NONE} or random changes that need samples shaped (height, width)
 * @param prefetch gather batch k+1 on a second thread while step k runs: see {@link Batches} on threads first
 */
public record BatchOptions(int batchSize, long seed, boolean shuffle, boolean dropLast, Augmentation augmentation,
                           boolean prefetch) {
    public BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        Objects.requireNonNull(augmentation, "augmentation (use Augmentation.NONE)");
    }

    /** Batches of {@code batchSize}, shuffled with seed 0, the last partial batch kept, no augmentation, no prefetch. */
    public static BatchOptions of(int batchSize) {
        return new BatchOptions(batchSize, 0, true, false, Augmentation.NONE, false);
    }

    public BatchOptions withBatchSize(int batchSize) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }

    public BatchOptions withSeed(long seed) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }

    public BatchOptions withShuffle(boolean shuffle) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }

    public BatchOptions withDropLast(boolean dropLast) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }

    public BatchOptions withAugmentation(Augmentation augmentation) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }

    public BatchOptions withPrefetch(boolean prefetch) {
        return new BatchOptions(batchSize, seed, shuffle, dropLast, augmentation, prefetch);
    }
}

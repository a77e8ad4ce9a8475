package dev.gatun.spark.train;

import dev.gatun.data.Batches;

/**
 * Which of this replica's rows belong to each global batch of an epoch. The epoch's order is a permutation of the
 * global row ids {@code 0..N−1} drawn from the seed and the epoch number alone (the order single-process
 * training takes, {@link Batches#epochOrder}); global batch k is positions
 * {@code [k·B, (k+1)·B)} of it. So the set of rows in batch k is the same whatever the number of partitions, and
 * every replica, holding the ids of its own rows, finds its share of each batch without asking the others.
 *
 * <p>Memory: two int arrays of N (the permutation, and global id → local row) plus this replica's order, allocated
 * once; an epoch reshuffles them in place.
 */
final class EpochOrder {
    private final long seed;
    private final int batchSize;
    private final int[] permutation;
    private final int[] localRowOfId;
    private final int[] order;
    /** batchEnd[k]: the end in {@link #order} of this replica's rows of batch k; batch k starts at batchEnd[k−1]. */
    private final int[] batchEnd;

    /**
     * @param steps the batches an epoch trains on: all of them, or all but a last one the plan leaves out
     *     ({@link TrainingPlan#stepsPerEpoch})
     */
    EpochOrder(long seed, long totalRows, int batchSize, long steps, PartitionData data) {
        if (totalRows > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("data sets of " + totalRows + " rows are more than one epoch order holds");
        }
        this.seed = seed;
        this.batchSize = batchSize;
        this.permutation = new int[(int) totalRows];
        this.localRowOfId = new int[(int) totalRows];
        java.util.Arrays.fill(localRowOfId, -1);
        for (int row = 0; row < data.rows(); row++) {
            localRowOfId[(int) data.id(row)] = row;
        }
        this.order = new int[data.rows()];
        long batches = (totalRows + batchSize - 1) / batchSize;
        if (steps < batches - 1 || steps > batches) {
            throw new IllegalArgumentException(steps + " steps over " + totalRows + " rows in batches of " + batchSize);
        }
        this.batchEnd = new int[(int) steps];
    }

    /** Draws epoch {@code epoch}'s order (the same on every replica) and this replica's share of each batch. */
    void shuffle(int epoch) {
        int n = permutation.length;
        Batches.epochOrder(seed, epoch, permutation);
        int local = 0;
        for (int position = 0; position < n; position++) {
            int row = localRowOfId[permutation[position]];
            if (row >= 0) {
                order[local++] = row;
            }
            int batch = position / batchSize;
            if (batch < batchEnd.length && ((position + 1) % batchSize == 0 || position == n - 1)) {
                batchEnd[batch] = local;
            }
        }
    }

    int steps() {
        return batchEnd.length;
    }

    /** Rows in global batch k over all replicas. */
    int globalBatchRows(int k) {
        return Math.min(batchSize, permutation.length - k * batchSize);
    }

    int shareStart(int k) {
        return k == 0 ? 0 : batchEnd[k - 1];
    }

    int shareEnd(int k) {
        return batchEnd[k];
    }

    /** The local row at position {@code i} of this epoch's order. */
    int row(int i) {
        return order[i];
    }
}

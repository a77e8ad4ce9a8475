package dev.gatun.spark.train;

import java.io.Serializable;
import java.util.List;

/**
 * Every row's global id, and what each training partition holds. A row's id is its rank among all N rows by content
 * hash ({@link RowHash}), so it follows from what the row holds: a partition that Spark recomputes after losing an
 * executor, perhaps through a shuffle that delivers its rows in another order, gives every row the id it had
 * before, and the global batches, hence the training, come out the same. (Numbering rows by their position, as
 * {@code zipWithIndex} does, gives the same ids to other rows when the order changes.)
 *
 * <p>Rows with equal hashes are identical rows (a collision of 128-bit hashes between different rows is
 * vanishingly unlikely: about N²/2¹²⁹), and identical rows are interchangeable: whichever of them gets id k and
 * whichever id k+1, every batch holds the same features and labels, so the order among them, which nothing fixes,
 * does not matter.
 *
 * <p>Each training partition's ids are listed in the hash order of its own rows, so a replica that hashes and sorts
 * the rows it reads knows each one's id; its {@link PartitionFingerprint} tells it whether it read the rows the
 * driver ranked. The training partitions are the input's own when it has as many, else equal ranges of the hash
 * ({@link RowHash#range}), which also depend only on the rows' content.
 */
record RowIds(int[][] idsInHashOrder, PartitionFingerprint[] fingerprints) implements Serializable {

    /**
     * Ranks the rows of every input partition's summary (in partition order) and deals them to {@code partitions}
     * training partitions: by hash range when {@code byHashRange}, else each to its own input partition.
     */
    static RowIds of(List<PartitionSummary> summaries, int partitions, boolean byHashRange) {
        long total = summaries.stream().mapToLong(s -> s.hashHi().length).sum();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("data sets of " + total + " rows are more than one epoch order holds");
        }
        int[] counts = new int[partitions];
        for (PartitionSummary s : summaries) {
            for (long hi : s.hashHi()) {
                counts[byHashRange ? RowHash.range(hi, partitions) : s.partition()]++;
            }
        }
        int[][] ids = new int[partitions][];
        for (int t = 0; t < partitions; t++) {
            ids[t] = new int[counts[t]];
        }
        PartitionFingerprint[] fingerprints = new PartitionFingerprint[partitions];
        java.util.Arrays.fill(fingerprints, PartitionFingerprint.EMPTY);
        int[] filled = new int[partitions];
        HeadHeap heads = new HeadHeap(summaries);
        for (int rank = 0; rank < total; rank++) {
            int next = heads.smallest();
            PartitionSummary from = summaries.get(next);
            int at = heads.head(next);
            long hi = from.hashHi()[at];
            long lo = from.hashLo()[at];
            heads.advance();
            int t = byHashRange ? RowHash.range(hi, partitions) : from.partition();
            ids[t][filled[t]++] = rank;
            fingerprints[t] = fingerprints[t].with(hi, lo);
        }
        return new RowIds(ids, fingerprints);
    }

    /**
     * The merge of the input partitions' sorted hashes: a binary heap of the partitions by the hash at their head
     * (ties to the lower partition), so ranking N rows of P input partitions takes N·log P comparisons. A scan over
     * every head per row took N·P: 2·10⁹ for 10 million rows in Spark SQL's 200 shuffle partitions.
     */
    private static final class HeadHeap {
        private final List<PartitionSummary> summaries;
        private final int[] head;
        private final int[] heap;
        private int size;

        HeadHeap(List<PartitionSummary> summaries) {
            this.summaries = summaries;
            this.head = new int[summaries.size()];
            this.heap = new int[summaries.size()];
            for (int p = 0; p < summaries.size(); p++) {
                if (summaries.get(p).hashHi().length > 0) {
                    heap[size] = p;
                    up(size++);
                }
            }
        }

        /** The partition whose head row comes next. */
        int smallest() {
            return heap[0];
        }

        int head(int partition) {
            return head[partition];
        }

        /** Moves the smallest partition's head on, dropping the partition when it has no rows left. */
        void advance() {
            int p = heap[0];
            if (++head[p] == summaries.get(p).hashHi().length) {
                heap[0] = heap[--size];
            }
            if (size > 0) {
                down(0);
            }
        }

        private boolean before(int p, int q) {
            PartitionSummary a = summaries.get(p);
            PartitionSummary b = summaries.get(q);
            int c = RowHash.compare(a.hashHi()[head[p]], a.hashLo()[head[p]], b.hashHi()[head[q]], b.hashLo()[head[q]]);
            return c < 0 || (c == 0 && p < q);
        }

        private void up(int i) {
            while (i > 0 && before(heap[i], heap[(i - 1) / 2])) {
                swap(i, (i - 1) / 2);
                i = (i - 1) / 2;
            }
        }

        private void down(int i) {
            while (true) {
                int smallest = i;
                for (int child = 2 * i + 1; child <= 2 * i + 2 && child < size; child++) {
                    if (before(heap[child], heap[smallest])) {
                        smallest = child;
                    }
                }
                if (smallest == i) {
                    return;
                }
                swap(i, smallest);
                i = smallest;
            }
        }

        private void swap(int i, int j) {
            int t = heap[i];
            heap[i] = heap[j];
            heap[j] = t;
        }
    }

    int rows(int partition) {
        return idsInHashOrder[partition].length;
    }

    int partitions() {
        return idsInHashOrder.length;
    }

    /** What training partition {@code partition}'s replica needs of this table. */
    PartitionIds partition(int partition) {
        return new PartitionIds(idsInHashOrder[partition], fingerprints[partition]);
    }

    /** Every training partition's share, in partition order: what the replicas are sent. */
    List<PartitionIds> shares() {
        List<PartitionIds> shares = new java.util.ArrayList<>();
        for (int p = 0; p < partitions(); p++) {
            shares.add(partition(p));
        }
        return shares;
    }
}

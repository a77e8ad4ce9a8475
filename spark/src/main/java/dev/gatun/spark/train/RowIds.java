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
        int inputs = summaries.size();
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
        int[] head = new int[inputs];
        // A merge of the input partitions' sorted hashes; a scan over their heads per row, as there are few.
        for (int rank = 0; rank < total; rank++) {
            int next = -1;
            for (int p = 0; p < inputs; p++) {
                PartitionSummary s = summaries.get(p);
                if (head[p] < s.hashHi().length && (next < 0 || precedes(s, head[p], summaries.get(next), head[next]))) {
                    next = p;
                }
            }
            PartitionSummary from = summaries.get(next);
            long hi = from.hashHi()[head[next]];
            long lo = from.hashLo()[head[next]];
            head[next]++;
            int t = byHashRange ? RowHash.range(hi, partitions) : from.partition();
            ids[t][filled[t]++] = rank;
            fingerprints[t] = fingerprints[t].with(hi, lo);
        }
        return new RowIds(ids, fingerprints);
    }

    private static boolean precedes(PartitionSummary a, int i, PartitionSummary b, int j) {
        return RowHash.compare(a.hashHi()[i], a.hashLo()[i], b.hashHi()[j], b.hashLo()[j]) < 0;
    }

    int rows(int partition) {
        return idsInHashOrder[partition].length;
    }
}

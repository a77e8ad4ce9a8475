package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.Iterator;

/**
 * One input partition from the ordinary (non-barrier) pass that checks every row before training starts: its row
 * count, per-feature sums about its first row ({@link ShiftedSums}), its rows' content hashes in hash order (from
 * which every row's id follows, {@link RowRanking}), the fingerprints of its rows in each of the training's hash
 * ranges ({@link RowHash#range}), and its first bad row, if any, by its index in the partition. A bad row fails the
 * fit on the driver, once, named by its position in the input, instead of failing a barrier stage.
 *
 * <p>The hashes stay on the executors (16 bytes a row); the driver collects {@link #withoutHashes}, whose size does
 * not grow with the rows.
 *
 * @param byRange the fingerprint of this partition's rows in each hash range, one per training partition
 * @param badRow the first bad row's index in this partition, or -1
 * @param badRowProblem what is wrong with it, or null
 */
record PartitionSummary(int partition, long rows, ShiftedSums sums, long[] hashHi, long[] hashLo,
                        PartitionFingerprint[] byRange, long badRow, String badRowProblem) implements Serializable {
    private static final long[] NONE = {};

    /**
     * Checks, sums and hashes every row of a partition of {@code (features, label)} rows, and fingerprints its rows
     * in each of {@code ranges} hash ranges.
     */
    static PartitionSummary of(int partition, Iterator<Row> rows, int inputs, LabelRule labels, Columns columns,
                               int ranges) {
        long count = 0;
        ShiftedSums sums = new ShiftedSums(inputs);
        LongList hi = new LongList();
        LongList lo = new LongList();
        RowHash hash = new RowHash();
        long badRow = -1;
        String problem = null;
        while (rows.hasNext()) {
            Row row = rows.next();
            long index = count++;
            if (badRow >= 0) {
                continue;   // the fit fails on the first bad row; the rest are only counted, to place it
            }
            RowChecks.Checked checked;
            try {
                checked = RowChecks.row(row, inputs, labels, index, columns);
            } catch (RowChecks.BadRow bad) {
                badRow = bad.row();
                problem = bad.problem();
                continue;
            }
            Vector features = checked.features();
            hash.hash(features, checked.label());
            hi.add(hash.hi);
            lo.add(hash.lo);
            sums.add(features);
        }
        long[] his = hi.toArray();
        long[] los = lo.toArray();
        int[] order = RowHash.sortedOrder(his, los, his.length);
        long[] sortedHi = new long[order.length];
        long[] sortedLo = new long[order.length];
        for (int k = 0; k < order.length; k++) {
            sortedHi[k] = his[order[k]];
            sortedLo[k] = los[order[k]];
        }
        PartitionFingerprint[] byRange = new PartitionFingerprint[ranges];
        java.util.Arrays.fill(byRange, PartitionFingerprint.EMPTY);
        for (int k = 0; k < sortedHi.length; k++) {
            int range = RowHash.range(sortedHi[k], ranges);
            byRange[range] = byRange[range].with(sortedHi[k], sortedLo[k]);
        }
        return new PartitionSummary(partition, count, sums, sortedHi, sortedLo, byRange, badRow, problem);
    }

    /** What the driver needs: everything but the hashes. */
    PartitionSummary withoutHashes() {
        return new PartitionSummary(partition, rows, sums, NONE, NONE, byRange, badRow, badRowProblem);
    }

    /** The fingerprint of all this partition's rows. */
    PartitionFingerprint fingerprint() {
        PartitionFingerprint all = PartitionFingerprint.EMPTY;
        for (PartitionFingerprint range : byRange) {
            all = all.plus(range);
        }
        return all;
    }

    /**
     * This partition's hashes in hash range {@code range}, in hash order: a slice of its sorted hashes, since the
     * ranges follow the hash order.
     */
    HashBlock block(int range) {
        int from = 0;
        for (int r = 0; r < range; r++) {
            from += (int) byRange[r].rows();
        }
        int to = from + (int) byRange[range].rows();
        return new HashBlock(partition, java.util.Arrays.copyOfRange(hashHi, from, to),
                java.util.Arrays.copyOfRange(hashLo, from, to));
    }

    /** A growable array of longs, for a partition whose size is not known until it has been read. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, 2 * size);
            }
            values[size++] = value;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}

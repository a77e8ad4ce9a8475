package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * One training partition's share of the row ids ({@link RowRanking}): the global ids of its rows in the hash order of
 * its own rows, and the fingerprint of the rows they were given to. What a replica task needs, and all it gets.
 *
 * @param firstId        the first id, when the partition's ids are consecutive (a hash range's are)
 * @param idsInHashOrder every row's id, or null when they are {@code firstId, firstId + 1, ...}
 */
record PartitionIds(int firstId, int[] idsInHashOrder, PartitionFingerprint fingerprint) implements Serializable {

    /** A hash range's ids: its rows are the ranks {@code firstId ..} of all rows, in its own hash order. */
    static PartitionIds consecutive(int firstId, PartitionFingerprint fingerprint) {
        return new PartitionIds(firstId, null, fingerprint);
    }

    static PartitionIds listed(int[] idsInHashOrder, PartitionFingerprint fingerprint) {
        if (idsInHashOrder.length != fingerprint.rows()) {
            throw new IllegalArgumentException(idsInHashOrder.length + " ids for " + fingerprint);
        }
        return new PartitionIds(0, idsInHashOrder, fingerprint);
    }

    int rows() {
        return (int) fingerprint.rows();
    }

    /** The id of the partition's {@code k}-th row in hash order. */
    int id(int k) {
        return idsInHashOrder == null ? firstId + k : idsInHashOrder[k];
    }
}

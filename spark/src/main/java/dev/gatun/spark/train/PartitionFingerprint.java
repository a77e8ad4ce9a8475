package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * What a partition's rows are, in three numbers: how many, and the xor and the sum of their content hashes
 * ({@link RowHash}). The driver computes it from the checking pass; the replica computes it again from the rows it
 * trains on, so a partition that Spark recomputed (after a lost executor) into other rows fails the run by name
 * instead of training on rows the ids do not describe. Order does not enter it: a recomputed partition may deliver
 * its rows in any order.
 */
record PartitionFingerprint(long rows, long xor, long sum) implements Serializable {
    static final PartitionFingerprint EMPTY = new PartitionFingerprint(0, 0, 0);

    PartitionFingerprint with(long hi, long lo) {
        return new PartitionFingerprint(rows + 1, xor ^ hi, sum + lo);
    }

    /** The fingerprint of both sets of rows together. */
    PartitionFingerprint plus(PartitionFingerprint other) {
        return new PartitionFingerprint(rows + other.rows, xor ^ other.xor, sum + other.sum);
    }

    @Override
    public String toString() {
        return rows + " rows, hashes xor " + Long.toHexString(xor) + " sum " + Long.toHexString(sum);
    }
}

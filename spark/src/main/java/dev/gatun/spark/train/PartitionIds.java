package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * One training partition's share of {@link RowIds}: the global ids of its rows in the hash order of its own rows,
 * and the fingerprint of the rows they were given to. What a replica task needs, and all it is sent
 * ({@link PartitionBroadcasts}).
 */
record PartitionIds(int[] idsInHashOrder, PartitionFingerprint fingerprint) implements Serializable {
    int rows() {
        return idsInHashOrder.length;
    }
}

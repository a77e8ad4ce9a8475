package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * The global ids of one {@link HashBlock}'s rows, in the block's order: what a hash range sends back to the input
 * partition the hashes came from ({@link RowRanking}).
 *
 * @param source the input partition the hashes came from, and the ids go back to
 * @param range the hash range the block was ranked in; a partition's blocks in range order give its ids in its hash
 *              order
 */
record RankedBlock(int source, int range, int[] ids) implements Serializable {
}

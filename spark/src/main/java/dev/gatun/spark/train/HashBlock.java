package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * Some of one input partition's row hashes, in hash order: what it sends the range they fall in when the rows are
 * ranked ({@link RowRanking}). Whole arrays, so that a shuffle moves a few objects per partition, not one per row.
 *
 * @param source the input partition the hashes come from
 */
record HashBlock(int source, long[] hi, long[] lo) implements Serializable {
    int rows() {
        return hi.length;
    }
}

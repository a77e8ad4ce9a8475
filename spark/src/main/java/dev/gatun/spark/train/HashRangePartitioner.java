package dev.gatun.spark.train;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.util.Iterator;

/**
 * Spreads checked rows over P partitions by equal ranges of their content hash ({@link RowHash#range}): which
 * partition a row lands in depends on what it holds alone, so a shuffle Spark runs again (after a lost executor)
 * fills every partition with the same rows, whatever order it reads them in. Hashes are uniform, so the
 * partitions come out even to within about √(N/P) rows.
 */
final class HashRangePartitioner extends Partitioner {
    private final int partitions;

    HashRangePartitioner(int partitions) {
        this.partitions = partitions;
    }

    /** {@code rows} (checked {@code (features, label)} rows) in {@code partitions} hash ranges. */
    static JavaRDD<Row> repartition(JavaRDD<Row> rows, int partitions, LabelRule labels) {
        return rows.mapPartitionsToPair(partition -> {
            RowHash hash = new RowHash();
            return new Iterator<Tuple2<Long, Row>>() {
                @Override
                public boolean hasNext() {
                    return partition.hasNext();
                }

                @Override
                public Tuple2<Long, Row> next() {
                    Row row = partition.next();
                    // The label as the checking pass hashed it: its class index, or its target in float32.
                    hash.hash((Vector) row.get(0), labels.hashed(row.get(1)));
                    return new Tuple2<>(hash.hi, row);
                }
            };
        }).partitionBy(new HashRangePartitioner(partitions)).values();
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return RowHash.range((Long) key, partitions);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HashRangePartitioner p && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
        return partitions;
    }
}

package dev.gatun.spark.train;

import org.apache.spark.sql.Row;

import java.util.Iterator;

/**
 * What one replica task trains on: its partition's rows and their ids, zipped from two RDDs of the same partitions
 * into the barrier stage. Lives only inside the task that computes it (it holds the task's iterator over the rows),
 * so it is never serialised.
 */
record ReplicaInput(PartitionIds ids, Iterator<Row> rows) {
}

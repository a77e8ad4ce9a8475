/**
 * Synchronous data-parallel training in one Spark barrier stage. The driver ({@link
 * dev.gatun.spark.train.DistributedTrainer}) checks the rows, gathers normalisation statistics and hashes every row's
 * content in one ordinary pass, has the executors rank the rows by hash into their global ids ({@link
 * dev.gatun.spark.train.RowRanking}), then starts P tasks together; each converts its partition once into off-heap
 * Gatun data ({@link dev.gatun.spark.train.PartitionData}, which checks that it read the rows that were ranked), and
 * every step computes the gradients of its rows of the global batch, sums them with the other replicas over the ring
 * all-reduce and applies the same optimizer step, so the replicas stay bit-identical. Which rows form a global batch
 * depends only on the seed and the global row ids ({@link dev.gatun.spark.train.EpochOrder}), never on P nor on the
 * order a partition delivers its rows in. Replica 0 reports each epoch, with the state after it, to the driver ({@link
 * dev.gatun.spark.train.EpochReports}): live progress, and the state a failed stage attempt starts again from ({@link
 * dev.gatun.spark.train.TrainingState}). Batch norm uses the global batch's statistics and dropout masks keyed by
 * global row ({@link dev.gatun.spark.train.ReplicaBatch}, the replica's {@link dev.gatun.nn.SharedBatch}), so that
 * holds for them too.
 */
package dev.gatun.spark.train;

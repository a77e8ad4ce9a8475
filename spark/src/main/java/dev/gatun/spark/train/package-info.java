/**
 * Synchronous data-parallel training in one Spark barrier stage. The driver ({@link dev.gatun.spark.train.DistributedTrainer})
 * numbers the rows, checks them and gathers normalisation statistics in one ordinary pass, then starts P tasks
 * together; each converts its partition once into off-heap Gatun data ({@link dev.gatun.spark.train.PartitionData}),
 * and every step computes the gradients of its rows of the global batch, sums them with the other replicas over the
 * ring all-reduce and applies the same optimizer step, so the replicas stay bit-identical. Which rows form a global
 * batch depends only on the seed and the global row ids ({@link dev.gatun.spark.train.EpochOrder}), never on P.
 * Batch norm uses the global batch's statistics and dropout masks keyed by global row
 * ({@link dev.gatun.spark.train.ReplicaBatch}, the replica's {@link dev.gatun.nn.SharedBatch}), so that holds for
 * them too.
 */
package dev.gatun.spark.train;

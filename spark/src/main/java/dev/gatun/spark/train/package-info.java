/**
 * Synchronous data-parallel training in one Spark barrier stage. The driver ({@link dev.gatun.spark.train.DistributedTrainer})
 * numbers the rows, checks them and gathers normalisation statistics in one ordinary pass, then starts P tasks
 * together; each converts its partition once into off-heap Gatun data ({@link dev.gatun.spark.train.PartitionData}),
 * and every step computes the gradients of its rows of the global batch, sums them with the other replicas over the
 * ring all-reduce and applies the same optimizer step, so the replicas stay bit-identical. Which rows form a global
 * batch depends only on the seed and the global row ids ({@link dev.gatun.spark.train.EpochOrder}), never on P.
 */
package dev.gatun.spark.train;

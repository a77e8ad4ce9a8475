/**
 * The collective the replicas of a data-parallel training run sum their gradients with: a ring all-reduce over
 * TCP between the tasks themselves, on off-heap buffers, never through the Spark driver.
 */
package dev.gatun.spark.allreduce;

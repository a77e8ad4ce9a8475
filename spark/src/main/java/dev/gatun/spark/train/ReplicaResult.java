package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * What one replica hands back to the driver: a checksum of its final weights (the driver checks that every
 * replica ends with the same bits), the per-epoch training loss and wall time (of the epochs this stage attempt
 * trained; the driver takes every epoch's from replica 0's epoch reports), the all-reduce's bytes and seconds, and
 * from replica 0 only the model file.
 */
record ReplicaResult(int rank, long weightsChecksum, double[] epochLosses, double[] epochSeconds, long allReduceBytesPerStep,
                     double[] allReduceSecondsPerEpoch, byte[] modelFile) implements Serializable {}

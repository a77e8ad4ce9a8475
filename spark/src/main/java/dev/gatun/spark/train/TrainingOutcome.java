package dev.gatun.spark.train;

/**
 * A finished distributed run: the trained model as a Gatun model file's bytes (loadable by
 * {@code Predictor.load} and {@code ModelIo.load} once written out), the training loss and wall time of each epoch, and
 * what the all-reduce cost: bytes each replica sent per step and seconds per epoch spent in it (replica 0's).
 * {@code attemptStarts} holds, for each attempt of the replicas' barrier stage, the epochs completed before it
 * started: {@code [0]} for a run without failures, {@code [0, 2]} when the first attempt failed after two epochs.
 */
public record TrainingOutcome(byte[] modelFile, double[] epochLosses, double[] epochSeconds, int partitions, long allReduceBytesPerStep,
                              double[] allReduceSecondsPerEpoch, int[] attemptStarts) {}

package dev.gatun.spark.train;

/**
 * A finished distributed run: the trained model as a Gatun model file's bytes (loadable by
 * {@code Predictor.load} and {@code ModelIo.load} once written out), the training loss and wall time of each epoch, and
 * what the all-reduce cost: bytes each replica sent per step and seconds per epoch spent in it (replica 0's).
 */
public record TrainingOutcome(byte[] modelFile, double[] epochLosses, double[] epochSeconds, int partitions, long allReduceBytesPerStep,
                              double[] allReduceSecondsPerEpoch) {}

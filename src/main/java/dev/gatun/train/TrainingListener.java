package dev.gatun.train;

/**
 * What a training run reports while it runs. The command line turns it into a progress bar; a service can
 * log or ignore it. Called on the training thread: implementations must be quick and must not throw.
 */
public interface TrainingListener {
    default void epochStarted(int epoch, int epochs, long batches) {}

    /** After each step; {@code loss} is the running mean training cost of this epoch so far. */
    default void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {}

    default void epochFinished(EpochStats stats) {}

    TrainingListener NONE = new TrainingListener() {};
}

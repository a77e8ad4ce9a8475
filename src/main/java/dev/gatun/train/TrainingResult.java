package dev.gatun.train;

/**
 * How a run ended. {@code bestEpoch} is the epoch whose weights the model holds at the end (the last one unless
 * early stopping restored an earlier one); {@code explosion} is non-null only for {@link Outcome#EXPLODED}.
 */
public record TrainingResult(Outcome outcome, History history, int bestEpoch, long steps, Explosion explosion) {

    public enum Outcome {
        /** Every requested epoch ran. */
        COMPLETED,
        /** The dev loss stopped improving for {@code patience} epochs; the best weights were restored. */
        EARLY_STOPPED,
        /** {@link Trainer#requestStop()} was called; the model holds the weights of the last step taken. */
        STOPPED,
        /** The loss or a parameter went non-finite, or the loss exceeded its limit; training stopped at once. */
        EXPLODED
    }

    public boolean exploded() {
        return outcome == Outcome.EXPLODED;
    }
}

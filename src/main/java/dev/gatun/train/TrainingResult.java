package dev.gatun.train;

/**
 * How a run ended. {@code bestEpoch} is the epoch of the lowest dev loss with early stopping on, else the last epoch
 * finished. After {@link Outcome#COMPLETED} and {@link Outcome#EARLY_STOPPED} the model holds that epoch's weights;
 * after {@link Outcome#STOPPED} and {@link Outcome#EXPLODED} it holds the weights of the last step taken, which may be
 * inside a later epoch (with early stopping on, {@link Trainer#bestWeights()} keeps the best epoch's while the
 * trainer is open).
 * {@code explosion} is non-null only for {@link Outcome#EXPLODED}.
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

package dev.gatun.tune;

import java.util.Comparator;

/**
 * One finished trial: its phase and index, the seed its draw came from, the draw, and how training went — the
 * last epoch's train and dev figures (NaN when it exploded before finishing one), the outcome, and the explosion
 * report if any. Everything but {@code seconds} is a deterministic function of the search's inputs.
 */
public record Trial(Phase phase, int index, long seed, Hyperparameters hyperparameters, String outcome, int epochs,
                    double trainLoss, double trainAccuracy, double devLoss, double devAccuracy, double seconds,
                    String note) {

    public enum Phase { COARSE, FINE }

    /** Best first: higher dev accuracy, then lower dev loss; trials without a dev accuracy last; then by phase, index. */
    public static final Comparator<Trial> BEST_FIRST = Comparator
            .comparingDouble((Trial t) -> Double.isNaN(t.devAccuracy) ? Double.POSITIVE_INFINITY : -t.devAccuracy)
            .thenComparingDouble(t -> Double.isNaN(t.devLoss) ? Double.POSITIVE_INFINITY : t.devLoss)
            .thenComparing(Trial::phase)
            .thenComparingInt(Trial::index);

    public boolean finished() {
        return !Double.isNaN(devAccuracy);
    }

    public double learningRate() {
        return hyperparameters.learningRate();
    }

    public double lambda() {
        return hyperparameters.lambda();
    }

    public double beta() {
        return hyperparameters.beta();
    }
}

package dev.gatun.train;

/**
 * Tells a diverging loss from a noisy one. A single mini-batch loss jumps around (with batch 1 by an order of
 * magnitude from sample to sample), so what is compared with a multiple of the first loss is an exponential moving
 * average of the batch losses started at that first loss, which one unlucky batch cannot push over the limit while
 * a real divergence (the loss growing by orders of magnitude within a few steps) crosses it at once.
 */
final class LossWatch {
    private static final double BETA = 0.9;

    private double first = Double.NaN;
    private double average;

    /** Feeds one batch loss; true when the smoothed loss is above {@code factor} × the first loss. */
    boolean exceeds(double loss, double factor) {
        if (Double.isNaN(first)) {
            first = loss;
            average = loss;
            return false;
        }
        average = Double.isNaN(average) ? loss : BETA * average + (1 - BETA) * loss;   // NaN: the first after resume
        return first > 0 && average > factor * first;
    }

    /**
     * Compares with {@code reference} from now on (a resumed run's starting loss, kept in its history) and goes on
     * averaging from {@code smoothed} (the run's smoothed loss when it stopped), or from the next batch when that is
     * NaN.
     */
    void resume(double reference, double smoothed) {
        first = reference;
        average = smoothed;
    }

    double reference() {
        return first;
    }

    double smoothed() {
        return average;
    }

    double limit(double factor) {
        return factor * first;
    }
}

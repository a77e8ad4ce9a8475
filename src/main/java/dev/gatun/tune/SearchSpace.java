package dev.gatun.tune;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Where one phase draws from: learning rate, L2 λ and (unless the optimizer has none) β, each a {@link LogRange}.
 * A trial's draw depends only on its seed, so it is the same whichever thread runs it and whenever.
 */
public record SearchSpace(LogRange learningRate, LogRange lambda, LogRange beta) {
    public SearchSpace {
        if (learningRate == null || lambda == null) {
            throw new IllegalArgumentException("a search space needs a learning-rate and a lambda range");
        }
        requireFloat32("learning rate", learningRate);
        requireFloat32("lambda", lambda);
        if (beta != null && beta.high() >= 0) {
            throw new IllegalArgumentException("beta = 1 - 10^U(e,f) needs f < 0 so that beta > 0, got " + beta);
        }
        // From 10^e <= 2^-54 (e below about -16.26), 1 - 10^e rounds to 1 in double: every such draw would stop its
        // trial as beta = 1.
        if (beta != null && !(1 - Math.pow(10, beta.low()) < 1)) {
            throw new IllegalArgumentException("beta = 1 - 10^U(e,f) with e = " + beta.low() + " rounds to beta = 1"
                    + " (beta must be < 1): the beta range's low end must be above about -16.2, got " + beta);
        }
    }

    /** log10 of float32's smallest normal number (about -37.93): below it a draw is 0 or subnormal in the kernels. */
    static final double FLOAT32_LOG_LOW = Math.log10(Float.MIN_NORMAL);
    /** log10 of float32's largest number (about 38.53): above it a draw is Infinity in the kernels. */
    static final double FLOAT32_LOG_HIGH = Math.log10(Float.MAX_VALUE);

    /**
     * Every draw of {@code range} a float32 number, as the kernels apply it: refused here, at the start, rather than
     * by the one trial that draws it, late in a search.
     */
    private static void requireFloat32(String what, LogRange range) {
        if (range.low() < FLOAT32_LOG_LOW || range.high() > FLOAT32_LOG_HIGH) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the %s = 10^U(low,high) must be a"
                    + " float32 number: its log10 range must lie within [%.2f, %.2f] (float32's smallest normal and"
                    + " largest values), got %s", what, Math.ceil(FLOAT32_LOG_LOW * 100) / 100,
                    Math.floor(FLOAT32_LOG_HIGH * 100) / 100, range));
        }
    }

    public boolean hasBeta() {
        return beta != null;
    }

    public Hyperparameters sample(long trialSeed) {
        SplittableRandom random = new SplittableRandom(trialSeed);
        double lrLog = learningRate.sample(random);
        double l2Log = lambda.sample(random);
        double betaLog = hasBeta() ? beta.sample(random) : Double.NaN;
        return Hyperparameters.of(lrLog, l2Log, betaLog);
    }

    /** The fine phase's space: each range narrowed around the given (best) trials' log10 values. */
    public SearchSpace around(List<Hyperparameters> best, double margin) {
        return new SearchSpace(learningRate.around(best.stream().map(Hyperparameters::lrLog).toList(), margin),
                lambda.around(best.stream().map(Hyperparameters::l2Log).toList(), margin),
                hasBeta() ? beta.around(best.stream().map(Hyperparameters::betaLog).toList(), margin) : null);
    }

    public boolean contains(Hyperparameters h) {
        return learningRate.contains(h.lrLog()) && lambda.contains(h.l2Log()) && (!hasBeta() || beta.contains(h.betaLog()));
    }
}

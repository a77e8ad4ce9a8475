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

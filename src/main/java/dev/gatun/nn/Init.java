package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * Weight initialisers; biases always start at 0. Weights are drawn in double from the model's
 * seeded generator and narrowed to the tensor's dtype, so a float32 and a float64 model built from one spec
 * start from the same numbers.
 */
public enum Init {
    /** All zeros: every unit stays identical (symmetry is never broken); for tests. */
    ZEROS,
    /** {@code N(0, 1)·0.01}. */
    RANDOM_SMALL,
    /** {@code N(0, 2/n_{l−1})}, for ReLU layers. */
    HE,
    /** {@code N(0, 1/n_{l−1})}, for tanh layers. */
    XAVIER,
    /** {@code N(0, 2/(n_{l−1} + n_l))}. */
    GLOROT;

    /** Standard deviation of the draw for a layer with fanIn inputs and fanOut outputs. */
    public double std(long fanIn, long fanOut) {
        return switch (this) {
            case ZEROS -> 0;
            case RANDOM_SMALL -> 0.01;
            case HE -> Math.sqrt(2.0 / fanIn);
            case XAVIER -> Math.sqrt(1.0 / fanIn);
            case GLOROT -> Math.sqrt(2.0 / (fanIn + fanOut));
        };
    }

    /** Fills W {@code (fanOut, fanIn)}. */
    void fill(Tensor W, RandomGenerator random) {
        double std = std(W.dim(1), W.dim(0));
        for (long k = 0; k < W.size(); k++) {
            W.set(k, this == ZEROS ? 0.0 : std * random.nextGaussian());
        }
    }
}

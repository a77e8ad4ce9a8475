package dev.gatun.train;

import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.Optimizer;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.DoubleFunction;

/**
 * A {@link SanityChecks} run's options once {@link SanityChecks.Builder#build()} has filled in the defaults; checked
 * here, read by the checks and never changed (the sweep's rates are copied in and out). The meaning of each is on
 * the builder's method of the same name.
 *
 * @param models builds every float32 network the checks train
 * @param sweepRates the learning-rate sweep's rates, increasing
 */
record SanityConfig(ModelSpec spec, DataSet train, Normalization normalization,
                    BiFunction<ModelSpec, Arena, Model> models, DoubleFunction<Optimizer> sweepOptimizer, long seed,
                    int initialSamples, int overfitSamples, int overfitEpochs, double overfitRate, double[] sweepRates,
                    int sweepSamples, int sweepBatch, int sweepSteps) {
    SanityConfig {
        if (spec == null || train == null || normalization == null || models == null || sweepOptimizer == null) {
            throw new IllegalArgumentException("architecture, training set, normalization, model factory and optimizer"
                    + " must not be null");
        }
        if (!spec.loss().predictsClasses(spec.outputs())) {
            throw new IllegalArgumentException("sanity checks need a classifier (softmax cross-entropy, or binary"
                    + " cross-entropy with one output); the spec's output is " + spec.loss() + " with "
                    + spec.outputs() + " outputs");
        }
        if (spec.inputs() != train.features()) {
            throw new IllegalArgumentException("the training set " + train.name() + " has " + train.features()
                    + " features per sample but the network takes " + spec.inputs());
        }
        if (spec.loss().classes(spec.outputs()) != train.classes()) {
            throw new IllegalArgumentException("the training set " + train.name() + " has " + train.classes()
                    + " classes but the network's output layer has " + spec.outputs());
        }
        if (initialSamples < 1 || overfitSamples < 1 || overfitEpochs < 1 || sweepSamples < 1 || sweepBatch < 1
                || sweepSteps < 1) {
            throw new IllegalArgumentException("sample counts, epochs, batch and steps must be >= 1; got initial "
                    + initialSamples + ", overfit " + overfitSamples + "x" + overfitEpochs + ", sweep "
                    + sweepSamples + "/" + sweepBatch + "/" + sweepSteps);
        }
        if (!(overfitRate > 0) || Float.isInfinite((float) overfitRate)) {
            throw new IllegalArgumentException("overfit learning rate must be > 0 and finite in float32, got "
                    + overfitRate);
        }
        if (sweepRates == null || sweepRates.length < 2) {
            throw new IllegalArgumentException("the learning-rate sweep needs at least 2 rates");
        }
        sweepRates = sweepRates.clone();
        for (int i = 0; i < sweepRates.length; i++) {
            // Finite in float32, as the optimizers apply them: a rate of 1e39 would otherwise fail the sweep only
            // after the first three checks had run, and lose their report.
            if (!(sweepRates[i] > 0) || Float.isInfinite((float) sweepRates[i])
                    || (i > 0 && sweepRates[i] <= sweepRates[i - 1])) {
                throw new IllegalArgumentException("sweep rates must be > 0, finite in float32 (at most "
                        + Float.MAX_VALUE + ") and increasing; got " + Arrays.toString(sweepRates));
            }
        }
    }

    /** A copy: the record's own array never leaves it. */
    @Override
    public double[] sweepRates() {
        return sweepRates.clone();
    }
}

package dev.gatun.spark.train;

import dev.gatun.data.Normalization;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Loss;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.LearningRateSchedule;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a replica needs to train, shipped from the driver to every task: the model's spec (as the
 * key/values a model file stores: layers, batch norm, dropout, L2 or L1, seed), the optimizer and its learning-rate
 * schedule, epochs, the global batch size, the seed of the batch order, the normalisation fitted on the driver,
 * the number of rows in all partitions, and how long the all-reduce may wait.
 *
 * @param schedule the rate by epoch or step, starting at the optimizer's rate; null for that rate throughout
 */
public record TrainingPlan(Map<String, String> spec, OptimizerSettings optimizer, LearningRateSchedule schedule,
                           int epochs, int batchSize, long shuffleSeed, Normalization.Mode normalization, float[] mean,
                           float[] std, long totalRows, long timeoutMillis) implements Serializable {
    /** How long a replica waits for its ring neighbours, unless told otherwise, before it fails the run. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 120_000;

    public TrainingPlan {
        // Unmodifiable: regression() and the replicas read the spec again, after these checks.
        spec = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(spec));
        ModelSpec parsed = ModelSpec.fromMap(spec);
        boolean regression = parsed.loss() == Loss.MSE && parsed.outputs() == 1;
        if (parsed.loss() != Loss.SOFTMAX_CROSS_ENTROPY && !regression) {
            throw new IllegalArgumentException("Gatun on Spark trains classifiers (softmax cross-entropy) and regressions"
                    + " of one output (mean squared error, the label column's number), got " + parsed.loss() + " with "
                    + parsed.outputs() + (parsed.outputs() == 1 ? " output" : " outputs"));
        }
        if (epochs < 1 || batchSize < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("training plan: epochs, batch size and timeout must be positive, got "
                    + epochs + ", " + batchSize + ", " + timeoutMillis);
        }
        // Batch norm's variance over one row is 0: it would output beta alone and learn a running variance of ~0.
        // (A last global batch of one row is left out of each epoch instead, as one process does: stepsPerEpoch.)
        boolean batchNorm = parsed.hidden().stream().anyMatch(LayerSpec::batchNorm);
        if (batchNorm && (batchSize < 2 || totalRows == 1)) {
            throw new IllegalArgumentException("batch norm needs at least 2 rows per global batch to estimate a"
                    + " variance, got " + (batchSize < 2 ? "a batch size of " + batchSize : "1 row of data"));
        }
        if (optimizer == null || normalization == null) {
            throw new IllegalArgumentException("training plan: optimizer and normalisation must not be null");
        }
        if (schedule == null) {
            schedule = LearningRateSchedule.constant(optimizer.learningRate());
        } else if (schedule.initialRate() != optimizer.learningRate()) {
            throw new IllegalArgumentException("training plan: the learning-rate schedule starts at "
                    + schedule.initialRate() + " but the optimizer's rate is " + optimizer.learningRate());
        }
    }

    /** The plan with the normalisation fitted on the data and the data's row count filled in. */
    public TrainingPlan withData(Normalization fitted, long rows) {
        return new TrainingPlan(spec, optimizer, schedule, epochs, batchSize, shuffleSeed, fitted.mode(), fitted.mean(),
                fitted.std(), rows, timeoutMillis);
    }

    /** Whether the plan trains a regression of one output (mean squared error) rather than a classifier. */
    public boolean regression() {
        return modelSpec().loss() == Loss.MSE;
    }

    public ModelSpec modelSpec() {
        return ModelSpec.fromMap(spec);
    }

    public Normalization normalizationOf() {
        return Normalization.of(normalization, modelSpec().inputs(), mean, std);
    }

    /** Steps per epoch over this plan's rows: see {@link #stepsPerEpoch(long)}. */
    public long stepsPerEpoch() {
        return stepsPerEpoch(totalRows);
    }

    /**
     * Steps per epoch over {@code rows} rows: every row once, the last batch possibly smaller; with batch norm a last
     * batch of one row is left out (a different row each epoch, the order being shuffled), as single-process training
     * leaves it out, since its variance would be 0.
     */
    public long stepsPerEpoch(long rows) {
        long full = rows / batchSize;
        long rest = rows % batchSize;
        boolean batchNorm = ModelSpec.fromMap(spec).hidden().stream().anyMatch(LayerSpec::batchNorm);
        return full + (rest > 1 || rest == 1 && !batchNorm ? 1 : 0);
    }
}

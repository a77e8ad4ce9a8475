package dev.gatun.train;

import dev.gatun.data.BatchOptions;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.optim.LearningRateSchedule;

/**
 * A {@link Trainer}'s options once {@link Trainer.Builder#build()} has checked them and filled in the defaults: the
 * trainer reads them and never changes them. The meaning of each is on the builder's method of the same name.
 *
 * @param dev the dev set, or null (then early stopping is off)
 * @param batches how the training set is cut into batches, passed to {@link dev.gatun.data.Batches} as they are
 * @param patience epochs without a better dev loss before stopping; 0 = off
 * @param explosionFactor multiple of the first loss the smoothed loss may not exceed; 0 = only NaN/Inf checks
 * @param trainEvaluationSize training samples for the per-epoch training accuracy; 0 = all
 * @param stepThreads threads sharing each step's kernels, the training thread included; 0 = the BLAS thread count
 * @param warmUp whether the first run in the JVM may first step a small model to get the step's code compiled
 */
record TrainingConfig(DataSet dev, Normalization normalization, BatchOptions batches, int epochs,
                      LearningRateSchedule schedule, int patience, double explosionFactor, int trainEvaluationSize,
                      int evaluationBatch, TrainingListener listener, int stepThreads, boolean warmUp) {
    TrainingConfig {
        if (normalization == null || batches == null || schedule == null || listener == null) {
            throw new IllegalArgumentException("normalization, batch options, schedule and listener must not be null"
                    + " (use TrainingListener.NONE)");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (patience < 0 || trainEvaluationSize < 0 || evaluationBatch < 1) {
            throw new IllegalArgumentException("patience and train evaluation size must be >= 0 and the evaluation"
                    + " batch >= 1; got " + patience + ", " + trainEvaluationSize + ", " + evaluationBatch);
        }
        if (stepThreads < 0) {
            throw new IllegalArgumentException("step threads must be >= 1 (or 0 for the BLAS thread count), got "
                    + stepThreads);
        }
        // A factor in (0, 1] would call a healthy run's first uptick of the smoothed loss an explosion.
        if (!(explosionFactor == 0 || explosionFactor > 1) || explosionFactor == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("explosion factor must be 0 (off) or finite and > 1 (a multiple of the"
                    + " starting loss), got " + explosionFactor);
        }
    }
}

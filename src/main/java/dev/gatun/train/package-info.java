/**
 * Training runs and their checks: {@link dev.gatun.train.Trainer} (epochs of batches, learning-rate schedule, dev
 * evaluation, early stopping, explosion detection, a {@link dev.gatun.train.History}; each step's kernels, optimizer
 * update and batch gather shared by its step threads, by default as many as the BLAS library uses), its
 * {@link dev.gatun.train.Evaluator} (a classifier's accuracy and confusion matrix, a regression's
 * {@link dev.gatun.train.RegressionMetrics}), the gradient check
 * ({@link dev.gatun.train.GradientCheck}) and the sanity checks to run before a long training
 * ({@link dev.gatun.train.SanityChecks}).
 */
package dev.gatun.train;

package dev.gatun.train;

/**
 * A regression model's figures on one data set: root mean squared error and mean absolute error over every target
 * of every sample, and R² = 1 − Σ(ŷ − y)² / Σ(y − ȳ)² (summed over the targets when there are several: each target
 * counts by its variance). {@code actual} and {@code predicted} hold the first target of up to
 * {@link Evaluator#PLOTTED_POINTS} samples, in data-set order, for a predicted-vs-actual plot.
 */
public record RegressionMetrics(double rmse, double mae, double r2, float[] actual, float[] predicted) {}

package dev.gatun.train;

import dev.gatun.tensor.Tensor;

/**
 * The sums behind {@link RegressionMetrics}, gathered batch by batch in one pass: Σ(ŷ − y)², Σ|ŷ − y|, and per target
 * Σ(y − K) and Σ(y − K)² around K, the target's first value. Centring on K keeps the variance from cancelling
 * catastrophically when the targets sit far from zero (prices around 10^6 with a spread of 10^3, say).
 */
final class RegressionSums {
    private final int targets;
    private final double[] shift;
    private final double[] sum;
    private final double[] sumSq;
    private final float[] actual;
    private final float[] predicted;
    private double squaredError;
    private double absoluteError;
    private long rows;

    RegressionSums(int targets, int plotted) {
        this.targets = targets;
        this.shift = new double[targets];
        this.sum = new double[targets];
        this.sumSq = new double[targets];
        this.actual = new float[plotted];
        this.predicted = new float[plotted];
    }

    /** Adds the first {@code m} rows of predictions {@code yhat} against targets {@code y} (both (m, targets)). */
    void add(Tensor yhat, Tensor y, int m) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < targets; j++) {
                double t = y.get(i, j);
                double e = yhat.get(i, j) - t;
                squaredError += e * e;
                absoluteError += Math.abs(e);
                if (rows == 0) {
                    shift[j] = t;
                }
                double centred = t - shift[j];
                sum[j] += centred;
                sumSq[j] += centred * centred;
            }
            if (rows < actual.length) {
                actual[(int) rows] = (float) y.get(i, 0);
                predicted[(int) rows] = (float) yhat.get(i, 0);
            }
            rows++;
        }
    }

    /** Half the squared error per sample: the MSE loss as the model computes it. */
    double loss() {
        return squaredError / 2 / rows;
    }

    RegressionMetrics metrics() {
        double values = (double) rows * targets;
        double total = 0;
        for (int j = 0; j < targets; j++) {
            total += sumSq[j] - sum[j] * sum[j] / rows;
        }
        int plotted = (int) Math.min(rows, actual.length);
        // A constant target has no variance to explain: R² is then undefined, reported as NaN.
        double r2 = total > 0 ? 1 - squaredError / total : Double.NaN;
        return new RegressionMetrics(Math.sqrt(squaredError / values), absoluteError / values, r2,
                java.util.Arrays.copyOf(actual, plotted), java.util.Arrays.copyOf(predicted, plotted));
    }
}

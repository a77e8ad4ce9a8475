package dev.gatun.train;

/**
 * A model's figures on one data set: mean data loss (no regularization term), accuracy, and for classification
 * the confusion matrix (row = true class, column = predicted class) from which precision and recall follow; for
 * regression (MSE) accuracy is NaN, the confusion matrix null and {@link #regression()} holds RMSE, MAE and R². A
 * classifier of more than {@link Evaluator#MAX_CONFUSION_CLASSES} classes has no confusion matrix either (null), and
 * so no per-class figures: {@link #classes()} is 0.
 */
public record Evaluation(String dataSet, int count, double loss, double accuracy, long[][] confusion,
                         RegressionMetrics regression) {

    /** A classifier's evaluation (no regression figures). */
    public Evaluation(String dataSet, int count, double loss, double accuracy, long[][] confusion) {
        this(dataSet, count, loss, accuracy, confusion, null);
    }

    /** Of the samples predicted as {@code k}, the share that are {@code k}; NaN when none was predicted as k. */
    public double precision(int k) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[k];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[k][k] / predicted;
    }

    /** Of the samples of class {@code k}, the share predicted as {@code k}; NaN when the set has none. */
    public double recall(int k) {
        long actual = 0;
        for (long c : confusion[k]) {
            actual += c;
        }
        return actual == 0 ? Double.NaN : (double) confusion[k][k] / actual;
    }

    public int classes() {
        return confusion == null ? 0 : confusion.length;
    }

    public double error() {
        return 1 - accuracy;
    }
}

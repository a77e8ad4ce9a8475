package dev.gatun.spark.train;

import java.io.Serializable;

/**
 * What a row's label must be, and the value a checked label is hashed, stored and trained as: a classifier's class
 * index, or a regression's target (one output), as the float32 it is trained in.
 *
 * @param classes the classifier's classes, or 0 for a regression
 */
record LabelRule(int classes) implements Serializable {
    static final LabelRule REGRESSION = new LabelRule(0);

    static LabelRule of(TrainingPlan plan) {
        return plan.regression() ? REGRESSION : classifier(plan.modelSpec().outputs());
    }

    static LabelRule classifier(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("a classifier of " + classes + " classes");
        }
        return new LabelRule(classes);
    }

    boolean regression() {
        return classes == 0;
    }

    /** The label of row {@code row} (numbered as the caller counts), checked: a class index, or the target in float32. */
    double check(Object value, long row, String column) {
        return regression() ? RowChecks.target(value, row, column) : RowChecks.label(value, classes, row, column);
    }

    /**
     * The value {@link #check} gives a label that passed it, without checking: for a row already checked, read again
     * in a shuffle. A row that changed since is left to the replica's fingerprint check, which names the partition.
     */
    double hashed(Object value) {
        if (!(value instanceof Number number)) {
            return Double.NaN;
        }
        if (regression()) {
            return (float) number.doubleValue();
        }
        return (int) number.doubleValue();
    }

    /** A checked label's 32 bits as a replica keeps them: the class index, or the target's float32 bits. */
    int bits(double label) {
        return regression() ? Float.floatToRawIntBits((float) label) : (int) label;
    }
}

package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * The checks every input row passes before training uses it, with messages that name the row (the caller says by
 * which number) and the column.
 */
final class RowChecks {
    private RowChecks() {}

    /** A row that fails a check: its number as the caller gave it, and what is wrong with it. */
    static final class BadRow extends IllegalArgumentException {
        private final long row;
        private final String problem;

        BadRow(long row, String problem) {
            super("row " + row + ": " + problem);
            this.row = row;
            this.problem = problem;
        }

        long row() {
            return row;
        }

        String problem() {
            return problem;
        }
    }

    /** A checked row's features and label ({@link LabelRule#check}). */
    record Checked(Vector features, double label) {}

    /** Checks a {@code (features, label)} row, numbered {@code row} in messages. */
    static Checked row(Row value, int inputs, LabelRule labels, long row, Columns columns) {
        return new Checked(features(value.get(0), inputs, row, columns.features()),
                labels.check(value.get(1), row, columns.label()));
    }

    /** The row's features: a vector of exactly {@code inputs} values, each finite in float32. */
    static Vector features(Object value, int inputs, long row, String column) {
        if (value == null) {
            throw new BadRow(row, "features column '" + column + "' is null");
        }
        if (!(value instanceof Vector vector)) {
            // The full name: the old RDD API's vectors (org.apache.spark.mllib.linalg) have the same simple names as
            // the ML ones, and "holds a DenseVector, not an ML vector" read as a contradiction.
            throw new BadRow(row, "features column '" + column + "' holds a " + value.getClass().getName()
                    + ", not an org.apache.spark.ml.linalg vector (use VectorAssembler, or MLUtils.convertVectorColumnsToML"
                    + " for the old org.apache.spark.mllib ones)");
        }
        if (vector.size() != inputs) {
            throw new BadRow(row, "features column '" + column + "' has " + vector.size()
                    + " values, the model takes " + inputs);
        }
        // Only the stored values can be non-finite: a sparse vector's others are zeros.
        double[] values = vector instanceof SparseVector sparse ? sparse.values() : vector.toArray();
        for (int k = 0; k < values.length; k++) {
            if (!Double.isFinite(values[k])) {
                int feature = vector instanceof SparseVector sparse ? sparse.indices()[k] : k;
                throw new BadRow(row, "feature " + feature + " of column '" + column
                        + "' is " + values[k] + "; features must be finite");
            }
            if (Float.isInfinite((float) values[k])) {   // finite in double, ±Inf in the float32 Gatun trains in
                int feature = vector instanceof SparseVector sparse ? sparse.indices()[k] : k;
                throw new BadRow(row, "feature " + feature + " of column '" + column + "' is " + values[k]
                        + ", beyond float32's range of ±" + Float.MAX_VALUE + " (Gatun trains in float32)");
            }
        }
        return vector;
    }

    /** The row's label: a whole number in {@code [0, classes)}. */
    static int label(Object value, int classes, long row, String column) {
        double label = number(value, row, column);
        if (!(label >= 0 && label < classes) || label != Math.rint(label)) {
            throw new BadRow(row, "label " + label + " in column '" + column
                    + "' is not a class index in [0, " + classes + ")");
        }
        return (int) label;
    }

    /** A regression's target: a finite number, as the float32 it is trained in. */
    static double target(Object value, long row, String column) {
        double target = number(value, row, column);
        if (!Double.isFinite(target)) {
            throw new BadRow(row, "label " + target + " in column '" + column + "' is not finite; a regression's"
                    + " targets must be finite");
        }
        float trained = (float) target;
        if (Float.isInfinite(trained)) {
            throw new BadRow(row, "label " + target + " in column '" + column + "' is beyond float32's range of ±"
                    + Float.MAX_VALUE + " (Gatun trains in float32)");
        }
        return trained;
    }

    private static double number(Object value, long row, String column) {
        if (value == null) {
            throw new BadRow(row, "label column '" + column + "' is null");
        }
        if (!(value instanceof Number number)) {
            throw new BadRow(row, "label column '" + column + "' holds a "
                    + value.getClass().getSimpleName() + ", not a number");
        }
        return number.doubleValue();
    }
}

package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * The checks every input row passes before training uses it, with messages that name the row by its global id
 * (its position in the input DataFrame, counted from 0) and the column.
 */
final class RowChecks {
    private RowChecks() {}

    /** The row's features: a vector of exactly {@code inputs} finite values. */
    static Vector features(Object value, int inputs, long row, String column) {
        if (value == null) {
            throw new IllegalArgumentException("row " + row + ": features column '" + column + "' is null");
        }
        if (!(value instanceof Vector vector)) {
            throw new IllegalArgumentException("row " + row + ": features column '" + column + "' holds a "
                    + value.getClass().getSimpleName() + ", not an ML vector (use VectorAssembler)");
        }
        if (vector.size() != inputs) {
            throw new IllegalArgumentException("row " + row + ": features column '" + column + "' has " + vector.size()
                    + " values, the model takes " + inputs);
        }
        // Only the stored values can be non-finite: a sparse vector's others are zeros.
        double[] values = vector instanceof SparseVector sparse ? sparse.values() : vector.toArray();
        for (int k = 0; k < values.length; k++) {
            if (!Double.isFinite(values[k])) {
                int feature = vector instanceof SparseVector sparse ? sparse.indices()[k] : k;
                throw new IllegalArgumentException("row " + row + ": feature " + feature + " of column '" + column
                        + "' is " + values[k] + "; features must be finite");
            }
        }
        return vector;
    }

    /** The row's label: a whole number in {@code [0, classes)}. */
    static int label(Object value, int classes, long row, String column) {
        if (value == null) {
            throw new IllegalArgumentException("row " + row + ": label column '" + column + "' is null");
        }
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("row " + row + ": label column '" + column + "' holds a "
                    + value.getClass().getSimpleName() + ", not a number");
        }
        double label = number.doubleValue();
        if (!(label >= 0 && label < classes) || label != Math.rint(label)) {
            throw new IllegalArgumentException("row " + row + ": label " + label + " in column '" + column
                    + "' is not a class index in [0, " + classes + ")");
        }
        return (int) label;
    }
}

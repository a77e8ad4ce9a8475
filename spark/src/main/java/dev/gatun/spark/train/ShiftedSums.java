package dev.gatun.spark.train;

import dev.gatun.data.FeatureSums;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

import java.io.Serializable;

/**
 * A partition's per-feature sums about its first row's values, {@code Σ(x − K)} and {@code Σ(x − K)²}, gathered
 * row by row: the form {@link FeatureSums} adds up across partitions without the cancellation raw sums suffer (a
 * constant column of 0.1 would otherwise get a std of rounding noise). A sparse row touches only its stored values;
 * the zeros it leaves out are added once at the end, {@code (0 − K)} each.
 */
final class ShiftedSums implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int inputs;
    private double[] shift;
    private final double[] sums;
    private final double[] squares;
    private final long[] storedInSparseRows;
    private long rows;
    private long sparseRows;

    ShiftedSums(int inputs) {
        this.inputs = inputs;
        this.sums = new double[inputs];
        this.squares = new double[inputs];
        this.storedInSparseRows = new long[inputs];
    }

    void add(Vector features) {
        if (shift == null) {
            shift = features.toArray().clone();   // once per partition; a dense vector's toArray is its own array
        }
        rows++;
        if (features instanceof SparseVector sparse) {
            sparseRows++;
            int[] indices = sparse.indices();
            double[] values = sparse.values();
            for (int k = 0; k < indices.length; k++) {
                int j = indices[k];
                double d = values[k] - shift[j];
                sums[j] += d;
                squares[j] += d * d;
                storedInSparseRows[j]++;
            }
        } else {
            double[] values = features.toArray();
            for (int j = 0; j < inputs; j++) {
                double d = values[j] - shift[j];
                sums[j] += d;
                squares[j] += d * d;
            }
        }
    }

    /** The sums over the rows added so far, with the zeros the sparse rows left out. */
    FeatureSums featureSums() {
        double[] s = sums.clone();
        double[] q = squares.clone();
        for (int j = 0; shift != null && j < inputs; j++) {
            long zeros = sparseRows - storedInSparseRows[j];
            s[j] -= zeros * shift[j];
            q[j] += zeros * shift[j] * shift[j];
        }
        return FeatureSums.of(rows, shift, s, q);
    }
}

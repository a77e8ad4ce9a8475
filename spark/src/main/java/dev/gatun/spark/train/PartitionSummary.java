package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.io.Serializable;
import java.util.Iterator;

/**
 * One partition's row count and per-feature sums, from the ordinary (non-barrier) pass that checks every row
 * before training starts: a bad row fails this pass, once, instead of a barrier stage Spark would retry.
 */
record PartitionSummary(int partition, long rows, double[] sums, double[] sumsOfSquares) implements Serializable {

    /** Checks every row of a partition of {@code (features, label)} rows numbered by their global id. */
    static PartitionSummary of(int partition, Iterator<Tuple2<Row, Long>> rows, int inputs, int classes,
                               Columns columns) {
        long count = 0;
        double[] sums = new double[inputs];
        double[] squares = new double[inputs];
        while (rows.hasNext()) {
            Tuple2<Row, Long> next = rows.next();
            long id = next._2();
            Vector features = RowChecks.features(next._1().get(0), inputs, id, columns.features());
            RowChecks.label(next._1().get(1), classes, id, columns.label());
            if (features instanceof SparseVector sparse) {
                int[] indices = sparse.indices();
                double[] values = sparse.values();
                for (int k = 0; k < indices.length; k++) {
                    sums[indices[k]] += values[k];
                    squares[indices[k]] += values[k] * values[k];
                }
            } else {
                double[] values = features.toArray();
                for (int j = 0; j < inputs; j++) {
                    sums[j] += values[j];
                    squares[j] += values[j] * values[j];
                }
            }
            count++;
        }
        return new PartitionSummary(partition, count, sums, squares);
    }
}

package dev.gatun.spark.train;

import dev.gatun.data.FeatureSums;
import dev.gatun.data.Normalization;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the driver learns from a partition's pass, without Spark: the normalisation statistics (partitions of dense
 * and sparse rows, summed apart about their own first rows and added on the driver, give a constant column std 1, not
 * rounding noise, and every other column the naive two-pass mean and std) and the first bad row.
 */
class PartitionSummaryTest {
    private static final int FEATURES = 4;
    private static final int ROWS = 900;
    private static final Columns COLUMNS = new Columns("features", "label");

    /** Column 0 holds 0.1 everywhere, column 1 123.456, column 2 varies around 1000, column 3 is mostly 0. */
    private static double[] values(int i) {
        return new double[] {0.1, 123.456, 1000 + Math.sin(i) * 0.01, i % 7 == 0 ? 0.5 + i : 0};
    }

    /** Every third row sparse, storing only its non-zero values. */
    private static Row row(int i) {
        double[] v = values(i);
        Vector features;
        if (i % 3 == 1) {
            List<Integer> at = new ArrayList<>();
            for (int j = 0; j < FEATURES; j++) {
                if (v[j] != 0) {
                    at.add(j);
                }
            }
            features = Vectors.sparse(FEATURES, at.stream().mapToInt(Integer::intValue).toArray(),
                    at.stream().mapToDouble(j -> v[j]).toArray());
        } else {
            features = Vectors.dense(v);
        }
        return RowFactory.create(features, (double) (i % 3));
    }

    @Test
    void aFeatureBeyondFloat32sRangeIsABadRowNotAnInfinity() {
        List<Row> rows = List.of(row(0), RowFactory.create(Vectors.dense(0.1, 1e39, 1, 0), 1.0), row(2),
                RowFactory.create(Vectors.sparse(FEATURES, new int[] {3}, new double[] {-3.5e38}), 0.0));
        PartitionSummary summary = PartitionSummary.of(0, rows.iterator(), FEATURES, new LabelRule(3), COLUMNS, 1);
        assertEquals(1, summary.badRow());
        assertTrue(summary.badRowProblem().contains("feature 1 of column 'features' is 1.0E39, beyond float32's range"),
                summary.badRowProblem());
        PartitionSummary sparse = PartitionSummary.of(0, rows.subList(3, 4).iterator(), FEATURES, new LabelRule(3), COLUMNS, 1);
        assertTrue(sparse.badRowProblem().contains("feature 3 of column 'features' is -3.5E38"), sparse.badRowProblem());
    }

    @Test
    void partitionsOfDenseAndSparseRowsGiveTheWholeDataSetsStatistics() {
        // A one-row partition, then partitions that start on a sparse row with column 3 zero (row 1), a sparse row
        // with it non-zero (row 7: the zeros of the sparse rows after it move the sums), and a dense row (399).
        int[] bounds = {0, 1, 7, 399, ROWS};
        FeatureSums total = FeatureSums.of(0, null, new double[FEATURES], new double[FEATURES]);
        for (int p = 0; p + 1 < bounds.length; p++) {
            List<Row> rows = new ArrayList<>();
            for (int i = bounds[p]; i < bounds[p + 1]; i++) {
                rows.add(row(i));
            }
            total = total.plus(PartitionSummary.of(p, rows.iterator(), FEATURES, new LabelRule(3), COLUMNS, 1).sums().featureSums());
        }
        assertEquals(ROWS, total.count());
        Normalization norm = Normalization.fromSums(Normalization.Mode.STANDARDIZE_PER_FEATURE, total);
        assertEquals(0.1f, norm.mean()[0], 0f);
        assertEquals(1f, norm.std()[0], 0f, "a constant column gets std 1, not rounding noise");
        assertEquals(123.456f, norm.mean()[1], 0f);
        assertEquals(1f, norm.std()[1], 0f, "a constant column gets std 1, not rounding noise");
        for (int j = 2; j < FEATURES; j++) {
            double mean = 0;
            for (int i = 0; i < ROWS; i++) {
                mean += values(i)[j];
            }
            mean /= ROWS;
            double sq = 0;
            for (int i = 0; i < ROWS; i++) {
                sq += (values(i)[j] - mean) * (values(i)[j] - mean);
            }
            double std = Math.sqrt(sq / ROWS);
            assertEquals(mean, norm.mean()[j], 1e-6 * Math.abs(mean), "mean of column " + j);
            assertEquals(std, norm.std()[j], 1e-5 * std, "std of column " + j);
        }
    }
}

package dev.gatun.data;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** Per-feature {@code Σx} and {@code Σx²} over a data set's samples: the one pass normalisation statistics need. */
record FeatureSums(double[] sum, double[] sumSq) {

    static FeatureSums of(DataSet data) {
        return data.featureType() == FeatureType.UINT8 ? ofBytes(data) : ofFloats(data);
    }

    /**
     * Float32 features are summed in double directly: there is no block size over which float sums stay exact for
     * arbitrary values. Integers stored as floats (pixels in a CSV file) still sum exactly, so a table of the same
     * pixels gets the same statistics as the IDX file it came from.
     */
    private static FeatureSums ofFloats(DataSet data) {
        int features = data.features();
        double[] sum = new double[features];
        double[] sumSq = new double[features];
        MemorySegment body = data.featureBody();
        for (int i = 0; i < data.size(); i++) {
            long offset = data.rowOffset(i);
            for (int j = 0; j < features; j++) {
                double x = body.get(ValueLayout.JAVA_FLOAT, offset + 4L * j);
                sum[j] += x;
                sumSq[j] += x * x;
            }
        }
        return new FeatureSums(sum, sumSq);
    }

    private static FeatureSums ofBytes(DataSet data) {
        int features = data.features();
        double[] sum = new double[features];
        double[] sumSq = new double[features];
        // Float block sums are exact integers for EXACT_ROWS rows; flushing them into doubles keeps the totals exact.
        float[] blockSum = new float[features];
        float[] blockSumSq = new float[features];
        for (int start = 0; start < data.size(); start += RowKernels.EXACT_ROWS) {
            int end = Math.min(data.size(), start + RowKernels.EXACT_ROWS);
            for (int i = start; i < end; i++) {
                RowKernels.accumulate(data.featureBody(), data.rowOffset(i), features, blockSum, blockSumSq);
            }
            for (int j = 0; j < features; j++) {
                sum[j] += blockSum[j];
                sumSq[j] += blockSumSq[j];
            }
            Arrays.fill(blockSum, 0f);
            Arrays.fill(blockSumSq, 0f);
        }
        return new FeatureSums(sum, sumSq);
    }
}

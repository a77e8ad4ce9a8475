package dev.gatun.data;

import java.util.Arrays;

/** Per-feature {@code Σx} and {@code Σx²} over a data set's samples: the one pass normalisation statistics need. */
record FeatureSums(double[] sum, double[] sumSq) {

    static FeatureSums of(DataSet data) {
        int features = data.features();
        double[] sum = new double[features];
        double[] sumSq = new double[features];
        // Float block sums are exact integers for EXACT_ROWS rows; flushing them into doubles keeps the totals exact.
        float[] blockSum = new float[features];
        float[] blockSumSq = new float[features];
        for (int start = 0; start < data.size(); start += RowKernels.EXACT_ROWS) {
            int end = Math.min(data.size(), start + RowKernels.EXACT_ROWS);
            for (int i = start; i < end; i++) {
                RowKernels.accumulate(data.pixelBody(), data.pixelOffset(i), features, blockSum, blockSumSq);
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

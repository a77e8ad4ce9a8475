package dev.gatun.data;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Per-feature sums over a data set's samples, taken about a shift: {@code Σ(x − K)} and {@code Σ(x − K)²} for each
 * feature's {@code K}. They are the one pass normalisation statistics need, and sums gathered apart (the partitions of
 * a distributed data set) add up with {@link #plus}.
 *
 * <p>Why a shift: the variance from raw sums, {@code (n·Σx² − (Σx)²)/n²}, subtracts two nearly equal numbers. For a
 * float column that holds 0.1 in each of 1,000 rows, their rounding errors leave a std of 6·10⁻⁹ instead of 0, so the
 * column's normalised values come out as noise (0.45 where 0 is right) and an input 1% off scales to 10⁵. About a
 * shift that is one of the feature's own values, a constant feature sums to exactly 0 and gets the constant-feature
 * std of 1, and every other feature loses far less to cancellation. Pixels need no shift: their raw sums are exact
 * integers.
 */
public final class FeatureSums {
    private final long count;
    private final double[] shift;
    private final double[] sum;
    private final double[] sumSq;

    private FeatureSums(long count, double[] shift, double[] sum, double[] sumSq) {
        this.count = count;
        this.shift = shift;
        this.sum = sum;
        this.sumSq = sumSq;
    }

    /**
     * Sums gathered elsewhere: {@code count} samples, and per feature j {@code sums[j] = Σ(x_j − shift[j])} and
     * {@code squares[j] = Σ(x_j − shift[j])²}. A null shift means 0 for every feature (raw sums). Copied.
     */
    public static FeatureSums of(long count, double[] shift, double[] sums, double[] squares) {
        if (sums == null || squares == null || sums.length != squares.length
                || (shift != null && shift.length != sums.length)) {
            throw new IllegalArgumentException("normalisation sums: need arrays of one length per feature, got sums "
                    + length(sums) + ", squares " + length(squares) + ", shift " + length(shift));
        }
        if (sums.length < 1) {
            throw new IllegalArgumentException("normalisation sums: need at least one feature, got 0");
        }
        if (count < 0) {
            throw new IllegalArgumentException("normalisation sums: count must be >= 0, got " + count);
        }
        double[] shifts = shift == null ? new double[sums.length] : shift.clone();
        for (int j = 0; j < sums.length; j++) {
            if (!Double.isFinite(sums[j]) || !Double.isFinite(squares[j]) || !Double.isFinite(shifts[j])) {
                throw new IllegalArgumentException("normalisation sums: feature " + j + " has non-finite sums "
                        + sums[j] + ", " + squares[j] + " (shift " + shifts[j] + ")");
            }
        }
        return new FeatureSums(count, shifts, sums.clone(), squares.clone());
    }

    private static String length(double[] values) {
        return values == null ? "null" : String.valueOf(values.length);
    }

    /** The sums over every sample of {@code data}: about the first sample's values for float32 features. */
    static FeatureSums of(DataSet data) {
        return data.featureType() == FeatureType.UINT8 ? ofBytes(data) : ofFloats(data);
    }

    /**
     * Float32 features are summed in double about the first sample's values: there is no block size over which float
     * sums stay exact for arbitrary values. Integers stored as floats (pixels in a CSV file) still sum exactly, so a
     * table of the same pixels gets the same statistics as the IDX file it came from.
     */
    private static FeatureSums ofFloats(DataSet data) {
        int features = data.features();
        double[] shift = new double[features];
        double[] sum = new double[features];
        double[] sumSq = new double[features];
        MemorySegment body = data.featureBody();
        for (int i = 0; i < data.size(); i++) {
            long offset = data.rowOffset(i);
            for (int j = 0; j < features; j++) {
                double x = body.get(ValueLayout.JAVA_FLOAT, offset + 4L * j);
                if (i == 0) {
                    shift[j] = x;
                }
                double d = x - shift[j];   // exact unless the two floats' exponents are more than 29 apart
                sum[j] += d;
                sumSq[j] += d * d;
            }
        }
        return new FeatureSums(data.size(), shift, sum, sumSq);
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
        return new FeatureSums(data.size(), new double[features], sum, sumSq);
    }

    /**
     * The sums over both sets of samples, about this one's shift. The other's sums move to it exactly where the two
     * shifts agree (a constant feature stays exactly 0); elsewhere the move adds terms the size of the spread
     * between two of the feature's own values, not of its mean.
     */
    public FeatureSums plus(FeatureSums other) {
        if (other.features() != features()) {
            throw new IllegalArgumentException("normalisation sums: cannot add sums over " + other.features()
                    + " features to sums over " + features());
        }
        if (count == 0) {
            return other;
        }
        double[] total = sum.clone();
        double[] totalSq = sumSq.clone();
        for (int j = 0; j < total.length; j++) {
            total[j] += other.sumAbout(j, shift[j]);
            totalSq[j] += other.sumSqAbout(j, shift[j]);
        }
        return new FeatureSums(count + other.count, shift, total, totalSq);
    }

    /** {@code Σ(x_j − k)} from the sums about {@code shift[j]}: {@code Σ(x_j − K) + n·(K − k)}. */
    double sumAbout(int j, double k) {
        double move = shift[j] - k;
        return move == 0 ? sum[j] : sum[j] + count * move;
    }

    /** {@code Σ(x_j − k)²} from the sums about {@code shift[j]}: {@code Σ(x_j − K)² + 2(K − k)·Σ(x_j − K) + n·(K − k)²}. */
    double sumSqAbout(int j, double k) {
        double move = shift[j] - k;
        return move == 0 ? sumSq[j] : sumSq[j] + 2 * move * sum[j] + count * move * move;
    }

    public long count() {
        return count;
    }

    public int features() {
        return sum.length;
    }

    double shift(int j) {
        return shift[j];
    }

    double sum(int j) {
        return sum[j];
    }

    double sumSq(int j) {
        return sumSq[j];
    }
}

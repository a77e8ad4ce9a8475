package dev.gatun.data;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * How raw features (pixel values 0–255, or a table's float32 values) become network inputs:
 * {@code x' = (x − mean)/std}, with the statistics computed on the training split only and reused unchanged for dev,
 * test and inference.
 *
 * <p>The stored form is {@link #mode()}, {@link #mean()} and {@link #std()} in the raw units: one value each for
 * {@link Mode#NONE} (0, 1), {@link Mode#SCALE_TO_UNIT} (0, 255) and {@link Mode#STANDARDIZE_GLOBAL}, one per
 * feature for {@link Mode#STANDARDIZE_PER_FEATURE}. A model file stores exactly that and rebuilds the object with
 * {@link #of}. Internally every mode is the same per-feature map {@code x·scale + shift}, so batch assembly and
 * inference do identical arithmetic. A feature that is constant in the training data (std 0, such as MNIST's
 * always-black corners), or whose std is too small for float32 to divide by, gets std 1: it is centred, never
 * divided by zero.
 *
 * <p>Immutable and thread-safe; the {@code apply} methods allocate nothing.
 */
public final class Normalization {
    public enum Mode {
        /** Raw values, unchanged. */
        NONE,
        /** {@code x/255}: unsigned bytes to [0, 1]. */
        SCALE_TO_UNIT,
        /** One mean and std over every feature of every training sample. */
        STANDARDIZE_GLOBAL,
        /** A mean and std per feature (pixel position), over the training samples. */
        STANDARDIZE_PER_FEATURE
    }

    private static final float BYTE_MAX = 255f;

    private final Mode mode;
    private final int features;
    private final float[] mean;
    private final float[] std;
    private final float[] scale;
    private final float[] shift;

    private Normalization(Mode mode, int features, float[] mean, float[] std) {
        this.mode = mode;
        this.features = features;
        this.mean = mean;
        this.std = std;
        this.scale = new float[features];
        this.shift = new float[features];
        for (int j = 0; j < features; j++) {
            double m = mean[mean.length == 1 ? 0 : j];
            double s = std[std.length == 1 ? 0 : j];
            scale[j] = (float) (1.0 / s);
            shift[j] = (float) (-m / s);
        }
    }

    public static Normalization none(int features) {
        return new Normalization(Mode.NONE, requireFeatures(features), new float[] {0f}, new float[] {1f});
    }

    public static Normalization scaleToUnit(int features) {
        return new Normalization(Mode.SCALE_TO_UNIT, requireFeatures(features), new float[] {0f}, new float[] {BYTE_MAX});
    }

    /**
     * What a data set gets when nobody chose: pixels (unsigned bytes) are scaled to [0, 1], float32 features are
     * left as they are (their range is unknown; standardising needs statistics the caller should fit on purpose).
     */
    public static Normalization defaultFor(DataSet data) {
        return data.featureType() == FeatureType.UINT8 ? scaleToUnit(data.features()) : none(data.features());
    }

    public static Normalization standardizeGlobal(DataSet train) {
        return fit(Mode.STANDARDIZE_GLOBAL, train);
    }

    public static Normalization standardizePerFeature(DataSet train) {
        return fit(Mode.STANDARDIZE_PER_FEATURE, train);
    }

    /** The normalisation of {@code mode}, with statistics from {@code train} where the mode needs them. */
    public static Normalization fit(Mode mode, DataSet train) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(train, "train");
        return switch (mode) {
            case NONE -> none(train.features());
            case SCALE_TO_UNIT -> scaleToUnit(train.features());
            case STANDARDIZE_GLOBAL, STANDARDIZE_PER_FEATURE -> {
                yield fromSums(mode, FeatureSums.of(train));
            }
        };
    }

    /**
     * The normalisation of {@code mode} from raw per-feature sums gathered elsewhere: {@code count} samples,
     * {@code sums[j] = Σx_j}, {@code sumsOfSquares[j] = Σx_j²}. Exact for integer features such as pixels; for
     * others, sums about a shift ({@link FeatureSums#of}) lose far less to rounding (see {@link FeatureSums}).
     */
    public static Normalization fromSums(Mode mode, long count, double[] sums, double[] sumsOfSquares) {
        return fromSums(mode, FeatureSums.of(count, null, sums, sumsOfSquares));
    }

    /**
     * The normalisation of {@code mode} from per-feature sums gathered elsewhere, such as added up over the
     * partitions of a distributed data set with {@link FeatureSums#plus}. The statistics are those {@link #fit}
     * computes from the same samples.
     */
    public static Normalization fromSums(Mode mode, FeatureSums sums) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sums, "sums");
        int features = requireFeatures(sums.features());
        if (sums.count() < 1) {
            throw new IllegalArgumentException("normalisation " + mode + " needs at least one sample, got " + sums.count());
        }
        return switch (mode) {
            case NONE -> none(features);
            case SCALE_TO_UNIT -> scaleToUnit(features);
            case STANDARDIZE_GLOBAL -> global(sums);
            case STANDARDIZE_PER_FEATURE -> perFeature(sums);
        };
    }

    /**
     * Rebuilds a stored normalisation (from a model file), checking it: {@code mean} and {@code std} hold one value,
     * or one per feature for {@link Mode#STANDARDIZE_PER_FEATURE}; every value is finite and every std positive.
     */
    public static Normalization of(Mode mode, int features, float[] mean, float[] std) {
        Objects.requireNonNull(mode, "mode");
        requireFeatures(features);
        int expected = mode == Mode.STANDARDIZE_PER_FEATURE ? features : 1;
        if (mean == null || std == null || mean.length != expected || std.length != expected) {
            throw new IllegalArgumentException("normalisation " + mode + " for " + features + " features needs mean and"
                    + " std of length " + expected + ", got " + (mean == null ? "null" : mean.length) + " and "
                    + (std == null ? "null" : std.length));
        }
        for (int j = 0; j < expected; j++) {
            if (!Float.isFinite(mean[j]) || !Float.isFinite(std[j]) || std[j] <= 0f) {
                throw new IllegalArgumentException("normalisation " + mode + ": feature " + j + " needs a finite mean"
                        + " and a finite positive std, got mean " + mean[j] + ", std " + std[j]);
            }
            if (!dividesInFloat(mean[j], std[j])) {
                throw new IllegalArgumentException("normalisation " + mode + ": feature " + j + " has std " + std[j]
                        + " for mean " + mean[j] + ": 1/std or mean/std overflows float32, so every input would"
                        + " normalise to ±Infinity or NaN");
            }
        }
        if ((mode == Mode.NONE && (mean[0] != 0f || std[0] != 1f))
                || (mode == Mode.SCALE_TO_UNIT && (mean[0] != 0f || std[0] != BYTE_MAX))) {
            throw new IllegalArgumentException("normalisation " + mode + " is mean 0, std "
                    + (mode == Mode.NONE ? "1" : "255") + "; got mean " + mean[0] + ", std " + std[0]);
        }
        return new Normalization(mode, features, mean.clone(), std.clone());
    }

    /** One mean and std over every feature: each feature's sums moved to feature 0's shift, then added. */
    private static Normalization global(FeatureSums sums) {
        int features = sums.features();
        double k = sums.shift(0);
        double total = 0;
        double totalSq = 0;
        for (int j = 0; j < features; j++) {
            total += sums.sumAbout(j, k);
            totalSq += sums.sumSqAbout(j, k);
        }
        double count = (double) sums.count() * features;
        float mean = (float) (k + total / count);
        return new Normalization(Mode.STANDARDIZE_GLOBAL, features, new float[] {mean},
                new float[] {usable(mean, stdOf(count, total, totalSq))});
    }

    private static Normalization perFeature(FeatureSums sums) {
        int features = sums.features();
        double n = sums.count();
        float[] mean = new float[features];
        float[] std = new float[features];
        for (int j = 0; j < features; j++) {
            mean[j] = (float) (sums.shift(j) + sums.sum(j) / n);
            std[j] = usable(mean[j], stdOf(n, sums.sum(j), sums.sumSq(j)));
        }
        return new Normalization(Mode.STANDARDIZE_PER_FEATURE, features, mean, std);
    }

    /**
     * Population std from sums about a shift: {@code (n·Σd² − (Σd)²)/n²}. For pixels (shift 0) the two big terms are
     * integers, exact in double for MNIST-sized data; a constant feature's sums about its own value are 0. Either way
     * a constant feature gets exactly 0 and then the fallback 1.
     */
    private static float stdOf(double n, double sum, double sumSq) {
        double variance = Math.max(0.0, (n * sumSq - sum * sum) / (n * n));
        float std = (float) Math.sqrt(variance);
        return std > 0f ? std : 1f;
    }

    /**
     * A fitted std, or 1 where float32 cannot divide by it: a column holding 0 and 1e−39 has std 5e−40, whose
     * inverse is +Inf, and 0·Inf would turn every input into NaN. Such a feature is constant to float32's
     * resolution and is treated as one: centred, not scaled.
     */
    private static float usable(float mean, float std) {
        return dividesInFloat(mean, std) ? std : 1f;
    }

    /** Whether the map's multipliers, {@code 1/std} and {@code −mean/std} as the constructor computes them, are finite. */
    private static boolean dividesInFloat(float mean, float std) {
        return Float.isFinite((float) (1.0 / std)) && Float.isFinite((float) (-(double) mean / std));
    }

    private static int requireFeatures(int features) {
        if (features < 1) {
            throw new IllegalArgumentException("a normalisation needs at least one feature, got " + features);
        }
        return features;
    }

    public Mode mode() {
        return mode;
    }

    public int features() {
        return features;
    }

    /** Means in raw units (a copy): one value, or one per feature. */
    public float[] mean() {
        return mean.clone();
    }

    /** Standard deviations in raw units (a copy): one value, or one per feature. */
    public float[] std() {
        return std.clone();
    }

    /**
     * The per-feature multipliers of the map every mode comes down to, {@code x·(1/std) + (−mean/std)}: a copy, one
     * per feature, rounded as this class applies them, for code outside the package that applies the same map.
     */
    public float[] scales() {
        return scale.clone();
    }

    /** The per-feature offsets of {@link #scales()}'s map (a copy). */
    public float[] shifts() {
        return shift.clone();
    }

    /**
     * Normalises one row of {@link #features()} raw float32 values from {@code rowIn} into {@code rowOut} (native
     * order; the two may be the same segment). For the inference server: allocation-free.
     */
    public void apply(MemorySegment rowIn, MemorySegment rowOut) {
        long bytes = 4L * features;
        if (rowIn.byteSize() < bytes || rowOut.byteSize() < bytes) {
            throw new IllegalArgumentException("normalisation of " + features + " features needs rows of " + bytes
                    + " bytes, got input of " + rowIn.byteSize() + " and output of " + rowOut.byteSize());
        }
        RowKernels.affine(rowIn, 0, rowOut, 0, features, scale, shift);
    }

    /** The heap-array form of {@link #apply(MemorySegment, MemorySegment)}; {@code in} and {@code out} may be one array. */
    public void apply(float[] in, float[] out) {
        if (in.length != features || out.length != features) {
            throw new IllegalArgumentException("normalisation of " + features + " features needs rows of that length,"
                    + " got " + in.length + " and " + out.length);
        }
        RowKernels.affine(in, out, features, scale, shift);
    }

    /**
     * Normalises one row of raw unsigned bytes (as stored in an IDX file) starting at {@code pixelOffset} in
     * {@code pixels} into float32 at {@code outOffset} in {@code out}: conversion and normalisation in one pass.
     */
    public void applyBytes(MemorySegment pixels, long pixelOffset, MemorySegment out, long outOffset) {
        if (pixelOffset < 0 || outOffset < 0 || pixels.byteSize() - pixelOffset < features
                || out.byteSize() - outOffset < 4L * features) {
            throw new IllegalArgumentException("normalisation of " + features + " features needs " + features
                    + " bytes at " + pixelOffset + " of a " + pixels.byteSize() + "-byte input and " + 4L * features
                    + " bytes at " + outOffset + " of a " + out.byteSize() + "-byte output");
        }
        RowKernels.bytesToFloats(pixels, pixelOffset, out, outOffset, features, scale, shift, 0);
    }

    /** Per-feature multipliers {@code 1/std} (shared, not copied: callers in this package only read it). */
    float[] scale() {
        return scale;
    }

    /** Per-feature offsets {@code −mean/std}; also the normalised value of a raw 0 (padding). */
    float[] shift() {
        return shift;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization other && mode == other.mode && features == other.features
                && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, features, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return switch (mode) {
            case NONE, SCALE_TO_UNIT -> "Normalization[" + mode + "]";
            case STANDARDIZE_GLOBAL -> "Normalization[" + mode + ": mean " + mean[0] + ", std " + std[0] + "]";
            case STANDARDIZE_PER_FEATURE -> "Normalization[" + mode + " over " + features + " features]";
        };
    }
}

package dev.gatun.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureSumsTest {
    /** Constant columns whose raw sums cancel badly (0.1, 123.456 and 0.3 are not binary fractions) and a varying one. */
    private static final float[] CONSTANTS = {0.1f, 123.456f, 0.3f};
    private static final int ROWS = 1000;

    private static float[][] rows(int from, int to) {
        float[][] x = new float[to - from][];
        for (int i = from; i < to; i++) {
            x[i - from] = new float[] {CONSTANTS[0], CONSTANTS[1], CONSTANTS[2], 1000f + (float) Math.sin(i) * 0.01f};
        }
        return x;
    }

    /** Naive two-pass population mean and std in double of column j. */
    private static double[] twoPass(float[][] x, int j) {
        double mean = 0;
        for (float[] row : x) {
            mean += row[j];
        }
        mean /= x.length;
        double sq = 0;
        for (float[] row : x) {
            sq += (row[j] - mean) * (row[j] - mean);
        }
        return new double[] {mean, Math.sqrt(sq / x.length)};
    }

    /** Sums of the rows about the first row's values, as a partition gathers them. */
    private static FeatureSums sumsOf(float[][] x) {
        int f = x[0].length;
        double[] shift = new double[f];
        double[] sum = new double[f];
        double[] sq = new double[f];
        for (int j = 0; j < f; j++) {
            shift[j] = x[0][j];
            for (float[] row : x) {
                double d = row[j] - shift[j];
                sum[j] += d;
                sq[j] += d * d;
            }
        }
        return FeatureSums.of(x.length, shift, sum, sq);
    }

    private static void assertConstantsCentredAndVaryingColumnRight(Normalization norm, float[][] x, String what) {
        for (int j = 0; j < CONSTANTS.length; j++) {
            assertEquals(CONSTANTS[j], norm.mean()[j], 0f, what + ": mean of constant column " + j);
            assertEquals(1f, norm.std()[j], 0f, what + ": a constant column gets std 1, not rounding noise");
        }
        double[] naive = twoPass(x, 3);
        assertEquals(naive[0], norm.mean()[3], 1e-3, what + ": mean of the varying column");
        assertEquals(naive[1], norm.std()[3], 1e-6 * naive[1] + 1e-7, what + ": std of the varying column");
        float[] out = new float[4];
        for (float[] row : x) {
            norm.apply(row, out);
            for (int j = 0; j < CONSTANTS.length; j++) {
                assertEquals(0f, out[j], 0f, what + ": constant column " + j + " normalised");
            }
        }
    }

    @Test
    void aConstantFloatColumnIsCentredNotScaledByRoundingNoise() {
        float[][] x = rows(0, ROWS);
        // Raw sums, as before the shift: the constant columns' std came out as 6e-9 (0.1) and 2e-5 (123.456).
        try (Table table = Table.ofLabels("constants", x, new int[ROWS], 1)) {
            Normalization norm = Normalization.standardizePerFeature(table.dataSet());
            assertConstantsCentredAndVaryingColumnRight(norm, x, "fit");
        }
    }

    @Test
    void everyValueTheSameGivesGlobalStdOne() {
        float[][] x = new float[ROWS][];
        for (int i = 0; i < ROWS; i++) {
            x[i] = new float[] {0.1f, 0.1f, 0.1f};
        }
        try (Table table = Table.ofLabels("constant", x, new int[ROWS], 1)) {
            Normalization norm = Normalization.standardizeGlobal(table.dataSet());
            assertEquals(0.1f, norm.mean()[0], 0f);
            assertEquals(1f, norm.std()[0], 0f);
        }
    }

    @Test
    void partsSummedAboutTheirOwnShiftsAddUpToTheWhole() {
        float[][] whole = rows(0, ROWS);
        FeatureSums parts = sumsOf(rows(0, 300)).plus(sumsOf(rows(300, 301))).plus(sumsOf(rows(301, ROWS)));
        assertEquals(ROWS, parts.count());
        Normalization norm = Normalization.fromSums(Normalization.Mode.STANDARDIZE_PER_FEATURE, parts);
        assertConstantsCentredAndVaryingColumnRight(norm, whole, "three parts");

        FeatureSums empty = FeatureSums.of(0, null, new double[4], new double[4]);
        Normalization fromEmptyFirst = Normalization.fromSums(Normalization.Mode.STANDARDIZE_PER_FEATURE,
                empty.plus(sumsOf(whole)));
        assertConstantsCentredAndVaryingColumnRight(fromEmptyFirst, whole, "an empty part first");

        // Global: one mean and std over all four columns, against the naive two-pass over every value.
        float[][] flat = new float[ROWS * 4][1];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < 4; j++) {
                flat[4 * i + j][0] = whole[i][j];
            }
        }
        double[] naive = twoPass(flat, 0);
        Normalization global = Normalization.fromSums(Normalization.Mode.STANDARDIZE_GLOBAL, parts);
        assertEquals(naive[0], global.mean()[0], 1e-4 * naive[0]);
        assertEquals(naive[1], global.std()[0], 1e-6 * naive[1]);
    }

    @Test
    void rawSumsOfPixelsGiveWhatTheyGaveBefore() {
        // Shift 0 everywhere: the pixel path's integer sums, and the public fromSums over raw sums.
        double[] sum = {0, 4 * 255, 10 + 20 + 30 + 40};
        double[] sq = {0, 4 * 255 * 255, 100 + 400 + 900 + 1600};
        Normalization norm = Normalization.fromSums(Normalization.Mode.STANDARDIZE_PER_FEATURE, 4, sum, sq);
        assertEquals(0f, norm.mean()[0], 0f);
        assertEquals(1f, norm.std()[0], 0f);
        assertEquals(255f, norm.mean()[1], 0f);
        assertEquals(1f, norm.std()[1], 0f);
        assertEquals(25f, norm.mean()[2], 0f);
        assertEquals((float) Math.sqrt(125), norm.std()[2], 0f);
    }

    @Test
    void badSumsAreRefusedWithWhatIsWrong() {
        double[] two = {1, 2};
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> FeatureSums.of(3, new double[3], two, two));
        assertTrue(lengths.getMessage().contains("shift 3"), lengths.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> FeatureSums.of(3, null, new double[] {1, Double.NaN}, two));
        assertTrue(nan.getMessage().contains("feature 1"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureSums.of(-1, null, two, two));
        assertThrows(IllegalArgumentException.class, () -> FeatureSums.of(3, null, new double[0], new double[0]));
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> FeatureSums.of(3, null, two, two).plus(FeatureSums.of(3, null, new double[3], new double[3])));
        assertTrue(mismatch.getMessage().contains("3 features"), mismatch.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Normalization.fromSums(Normalization.Mode.STANDARDIZE_GLOBAL, FeatureSums.of(0, null, two, two)));
        assertTrue(none.getMessage().contains("at least one sample"), none.getMessage());
    }
}

package dev.gatun.kernels.vector;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Batch norm's column walks in SIMD give, bit for bit, the float arithmetic of one column at a time: the mean from
 * row 0 down (of the differences from row 0, that value added back), then the squared deviations by fused multiply-add, dβ and dγ likewise, and Ẑ, the output and dZ
 * element by element; whatever mix of two-vector groups and single vectors a width takes, and for column ranges that
 * start past the first group or end before the last column, as a split over threads cuts them.
 */
class BatchNormColumnsTest {
    private static final VectorBatchNorm BATCH_NORM = new VectorBatchNorm();

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "5, 10", "128, 31", "128, 32", "3, 33", "7, 75", "128, 256", "2, 1000"})
    void columnStatisticsAreFloatSumsDownTheRows(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = random(arena, rows, cols, 1);
            Tensor G = random(arena, rows, cols, 2);
            Tensor mean = Tensor.allocate(arena, DType.F32, 1, cols);
            Tensor var = Tensor.allocate(arena, DType.F32, 1, cols);
            Tensor dgamma = Tensor.allocate(arena, DType.F32, 1, cols);
            Tensor dbeta = Tensor.allocate(arena, DType.F32, 1, cols);
            for (long[] range : ranges(cols)) {
                long from = range[0];
                long to = range[1];
                mean.fill(Double.NaN);
                var.fill(Double.NaN);
                dgamma.fill(Double.NaN);
                dbeta.fill(Double.NaN);
                BATCH_NORM.meanVariance(Z, mean, var, from, to);
                BATCH_NORM.backwardSums(G, Z, dgamma, dbeta, from, to);
                float inverseM = 1f / rows;
                for (int j = 0; j < cols; j++) {
                    String where = "column " + j + " of " + rows + "x" + cols + ", range [" + from + ", " + to + ")";
                    if (j < from || j >= to) {
                        for (Tensor out : new Tensor[]{mean, var, dgamma, dbeta}) {
                            assertEquals(Double.NaN, out.get(j), where + " is outside the range and was written");
                        }
                        continue;
                    }
                    float first = (float) Z.get(0, j);
                    float sum = 0f;
                    float sumG = 0f;
                    float sumGZ = 0f;
                    for (int i = 0; i < rows; i++) {
                        sum = ((float) Z.get(i, j) - first) + sum;
                        sumG = (float) G.get(i, j) + sumG;
                        sumGZ = Math.fma((float) G.get(i, j), (float) Z.get(i, j), sumGZ);
                    }
                    float mu = Math.fma(inverseM, sum, first);
                    float squares = 0f;
                    for (int i = 0; i < rows; i++) {
                        float d = (float) Z.get(i, j) - mu;
                        squares = Math.fma(d, d, squares);
                    }
                    assertBits(mu, mean.get(j), "mean, " + where);
                    assertBits(inverseM * squares, var.get(j), "variance, " + where);
                    assertBits(inverseM * sumG, dbeta.get(j), "dbeta, " + where);
                    assertBits(inverseM * sumGZ, dgamma.get(j), "dgamma, " + where);
                }
            }
        }
    }

    /**
     * A column far from 0 that does not vary: its mean is its value and its variance 0, so Ẑ is 0. Summed as values in
     * float, a column of 1,000.1 in a batch of 1,024 would be 0.01 off, and Ẑ −0.95.
     */
    @ParameterizedTest(name = "{0} rows")
    @CsvSource({"256", "1024", "60000"})
    void aConstantColumnFarFromZeroHasItsValueAsMeanAndNoVariance(int rows) {
        try (Arena arena = Arena.ofConfined()) {
            int cols = 3 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + 1;   // two-vector groups, a single vector and a masked one
            Tensor Z = Tensor.allocate(arena, DType.F32, rows, cols);
            Z.fill(1000.1);
            Tensor mean = Tensor.allocate(arena, DType.F32, 1, cols);
            Tensor var = Tensor.allocate(arena, DType.F32, 1, cols);
            BATCH_NORM.meanVariance(Z, mean, var, 0, cols);
            for (int j = 0; j < cols; j++) {
                assertEquals(1000.1f, (float) mean.get(j), "mean of column " + j);
                assertEquals(0.0, var.get(j), "variance of column " + j);
            }
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "5, 10", "128, 31", "128, 32", "3, 33", "7, 75", "128, 256", "2, 1000"})
    void normalizeIsTheFloatFormulaPerElement(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor Z = random(arena, rows, cols, 9);
            Tensor mean = random(arena, 1, cols, 10);
            Tensor invStd = random(arena, 1, cols, 11);
            Tensor gamma = random(arena, 1, cols, 12);
            Tensor beta = random(arena, 1, cols, 13);
            Tensor Zhat = Tensor.allocate(arena, DType.F32, rows, cols);
            Tensor A = Tensor.allocate(arena, DType.F32, rows, cols);
            for (long[] range : ranges(cols)) {
                Zhat.fill(Double.NaN);
                A.fill(Double.NaN);
                BATCH_NORM.normalize(Z, mean, invStd, gamma, beta, Zhat, A, range[0], range[1]);
                forEachElement(rows, cols, range, (i, j, inside, where) -> {
                    if (!inside) {
                        assertEquals(Double.NaN, Zhat.get(i, j), "Zhat" + where + " is outside the range, written");
                        assertEquals(Double.NaN, A.get(i, j), "A" + where + " is outside the range, written");
                        return;
                    }
                    float zhat = ((float) Z.get(i, j) - (float) mean.get(j)) * (float) invStd.get(j);
                    assertBits(zhat, Zhat.get(i, j), "Zhat" + where);
                    assertBits(zhat * (float) gamma.get(j) + (float) beta.get(j), A.get(i, j), "A" + where);
                });
            }
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "5, 10", "128, 31", "128, 32", "3, 33", "7, 75", "128, 256", "2, 1000"})
    void inputGradientIsTheFloatFormulaPerElement(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor G = random(arena, rows, cols, 3);
            Tensor Zhat = random(arena, rows, cols, 4);
            Tensor gamma = random(arena, 1, cols, 5);
            Tensor invStd = random(arena, 1, cols, 6);
            Tensor dgamma = random(arena, 1, cols, 7);
            Tensor dbeta = random(arena, 1, cols, 8);
            Tensor dZ = Tensor.allocate(arena, DType.F32, rows, cols);
            for (long[] range : ranges(cols)) {
                dZ.fill(Double.NaN);
                BATCH_NORM.backwardInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ, range[0], range[1]);
                forEachElement(rows, cols, range, (i, j, inside, where) -> {
                    if (!inside) {
                        assertEquals(Double.NaN, dZ.get(i, j), "dZ" + where + " is outside the range, written");
                        return;
                    }
                    float centred = (float) G.get(i, j) - (float) dbeta.get(j)
                            - (float) Zhat.get(i, j) * (float) dgamma.get(j);
                    assertBits(centred * (float) gamma.get(j) * (float) invStd.get(j), dZ.get(i, j), "dZ" + where);
                });
            }
        }
    }

    /** The whole row, then a range inside it as a split over threads cuts one (from a multiple of 16 columns). */
    private static long[][] ranges(int cols) {
        return new long[][]{{0, cols}, {cols > 20 ? 16 : 0, cols > 20 ? cols - 5 : cols}};
    }

    private interface ElementCheck {
        void at(int i, int j, boolean inside, String where);
    }

    /** Runs {@code check} on every element of a rows×cols output, saying whether its column is in the range. */
    private static void forEachElement(int rows, int cols, long[] range, ElementCheck check) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                String where = "[" + i + ", " + j + "] of " + rows + "x" + cols + ", range [" + range[0] + ", "
                        + range[1] + ")";
                check.at(i, j, j >= range[0] && j < range[1], where);
            }
        }
    }

    private static Tensor random(Arena arena, int rows, int cols, long salt) {
        Tensor t = Tensor.allocate(arena, DType.F32, rows, cols);
        SplittableRandom random = new SplittableRandom(rows * 131L + cols * 7L + salt);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextDouble(-2, 2));
        }
        return t;
    }

    private static void assertBits(float expected, double actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits((float) actual),
                what + ": " + expected + " vs " + actual);
    }
}

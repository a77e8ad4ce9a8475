package dev.gatun.kernels.vector;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vector column sums give, bit for bit, a float sum of each column from row 0 down in blocks of
 * {@link VectorReductions#BLOCK_ROWS} rows, each block's sum added to a running total, scaled once at the end:
 * whatever mix of four-vector groups and masked single vectors a width takes, and for column ranges that start past
 * the first group or end before the last column, as a split over threads cuts them.
 */
class ColumnSumsTest {
    private static final VectorReductions SUMS = new VectorReductions();

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "5, 10", "128, 31", "128, 32", "3, 33", "7, 75", "128, 256", "1024, 128", "2, 1000",
            "600, 67"})
    void eachColumnIsAFloatSumDownTheRows(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor X = Tensor.allocate(arena, DType.F32, rows, cols);
            SplittableRandom random = new SplittableRandom(rows * 31L + cols);
            for (long k = 0; k < X.size(); k++) {
                X.set(k, random.nextDouble(-1, 1));
            }
            double scale = 1.0 / rows;
            Tensor whole = Tensor.allocate(arena, DType.F32, 1, cols);
            SUMS.columnSums(X, scale, whole, 0, cols);
            // A range inside the row, as a split over threads cuts one (starts at multiples of SplitKernels.ALIGNMENT):
            // nothing outside it may be written.
            long start = cols > 20 ? 16 : 0;
            long end = cols > 20 ? cols - 5 : cols;
            Tensor ranged = Tensor.allocate(arena, DType.F32, 1, cols).fill(Double.NaN);
            SUMS.columnSums(X, scale, ranged, start, end);
            for (int j = 0; j < cols; j++) {
                float total = 0f;
                for (int first = 0; first < rows; first += VectorReductions.BLOCK_ROWS) {
                    float sum = 0f;
                    for (int i = first; i < Math.min(rows, first + VectorReductions.BLOCK_ROWS); i++) {
                        sum = (float) X.get(i, j) + sum;
                    }
                    total = sum + total;
                }
                float expected = (float) scale * total;
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits((float) whole.get(j)),
                        "column " + j + " of " + rows + "x" + cols + ": " + expected + " vs " + whole.get(j));
                if (j >= start && j < end) {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits((float) ranged.get(j)),
                            "column " + j + " of range [" + start + ", " + end + ")");
                } else {
                    assertEquals(Double.NaN, ranged.get(j), "column " + j + " is outside the range and was written");
                }
            }
        }
    }

    /**
     * A full batch of 60,000 rows of one sign (0.1 in every row): one float sum down the column drifted by about 6e-4
     * of its value; in blocks it stays within 1e-5 of the exact sum.
     */
    @org.junit.jupiter.api.Test
    void aLongColumnOfOneSignKeepsItsPrecision() {
        int rows = 60_000;
        int cols = 37;
        try (Arena arena = Arena.ofConfined()) {
            Tensor X = Tensor.allocate(arena, DType.F32, rows, cols).fill(0.1);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, cols);
            SUMS.columnSums(X, 1.0, out, 0, cols);
            double exact = rows * (double) 0.1f;
            for (int j = 0; j < cols; j++) {
                assertEquals(exact, out.get(j), 1e-5 * exact, "column " + j);
            }
        }
    }
}

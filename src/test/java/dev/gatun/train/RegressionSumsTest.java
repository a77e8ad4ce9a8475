package dev.gatun.train;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RMSE, MAE and R² summed batch by batch against the textbook two-pass formulas over the whole set. */
class RegressionSumsTest {
    @Test
    void batchedSumsAgreeWithTwoPassFormulasEvenFarFromZero() {
        for (double offset : new double[] {0, 1e6}) {
            int n = 250;
            int targets = 2;
            SplittableRandom random = new SplittableRandom(4);
            double[][] y = new double[n][targets];
            double[][] yhat = new double[n][targets];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < targets; j++) {
                    y[i][j] = (float) (offset + (j + 1) * 100 * random.nextGaussian());
                    yhat[i][j] = (float) (y[i][j] + 20 * random.nextGaussian());
                }
            }
            RegressionSums sums = new RegressionSums(targets, 10);
            try (Arena arena = Arena.ofConfined()) {
                for (int from = 0; from < n; from += 64) {
                    int m = Math.min(64, n - from);
                    Tensor t = Tensor.allocate(arena, DType.F32, 64, targets);
                    Tensor p = Tensor.allocate(arena, DType.F32, 64, targets);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < targets; j++) {
                            t.set(i, j, y[from + i][j]);
                            p.set(i, j, yhat[from + i][j]);
                        }
                    }
                    sums.add(p, t, m);
                }
            }
            double sse = 0;
            double sae = 0;
            double sst = 0;
            for (int j = 0; j < targets; j++) {
                double mean = 0;
                for (double[] row : y) {
                    mean += row[j];
                }
                mean /= n;
                for (int i = 0; i < n; i++) {
                    double e = yhat[i][j] - y[i][j];
                    sse += e * e;
                    sae += Math.abs(e);
                    sst += (y[i][j] - mean) * (y[i][j] - mean);
                }
            }
            RegressionMetrics m = sums.metrics();
            assertEquals(Math.sqrt(sse / (n * targets)), m.rmse(), 1e-9 * m.rmse(), "offset " + offset);
            assertEquals(sae / (n * targets), m.mae(), 1e-9 * m.mae(), "offset " + offset);
            assertEquals(1 - sse / sst, m.r2(), 1e-9, "offset " + offset);
            assertTrue(m.r2() > 0.9 && m.r2() < 1, "a noisy fit explains most of the variance: " + m.r2());
            assertEquals(sse / 2 / n, sums.loss(), 1e-9 * sums.loss(), "the MSE loss ½Σ(ŷ − y)² per sample");
            assertEquals(10, m.actual().length);
            assertArrayEquals(new float[] {(float) y[3][0], (float) yhat[3][0]}, new float[] {m.actual()[3], m.predicted()[3]});
        }
    }
}

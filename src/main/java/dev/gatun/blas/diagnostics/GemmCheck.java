package dev.gatun.blas.diagnostics;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks the loaded BLAS's sgemm against a float64 reference (naive loops, independent of any BLAS) on odd and
 * MLP-like shapes with every transpose: what {@code gatun info --verify} reports before anyone trusts a kernel
 * set they switched to.
 */
public final class GemmCheck {
    /** float32 sums of a few hundred products stay far inside this; a wrong kernel misses it by orders. */
    public static final double TOLERANCE = 1e-5;
    private static final List<int[]> SHAPES = List.of(new int[] {3, 5, 7}, new int[] {17, 33, 65},
            new int[] {64, 784, 128}, new int[] {128, 256, 10}, new int[] {1, 784, 256});

    private GemmCheck() {}

    /** The largest error over the shapes and transposes, relative to the largest reference value of each product. */
    public static double maxRelativeError() {
        double worst = 0;
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] mkn : SHAPES) {
                for (Transpose ta : Transpose.values()) {
                    for (Transpose tb : Transpose.values()) {
                        worst = Math.max(worst, relativeError(arena, random, mkn[0], mkn[1], mkn[2], ta, tb));
                    }
                }
            }
        }
        return worst;
    }

    private static double relativeError(Arena arena, SplittableRandom random, int m, int k, int n, Transpose ta,
                                        Transpose tb) {
        double[] a = values(random, m * k);
        double[] b = values(random, k * n);
        boolean transA = ta == Transpose.TRANSPOSED;
        boolean transB = tb == Transpose.TRANSPOSED;
        long[] aShape = transA ? new long[] {k, m} : new long[] {m, k};
        long[] bShape = transB ? new long[] {n, k} : new long[] {k, n};
        Tensor c32 = Tensor.allocate(arena, DType.F32, m, n);
        Blas.gemm(ta, tb, 1, single(arena, a, aShape), single(arena, b, bShape), 0, c32);
        double scale = 0;
        double error = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = 0;
                for (int p = 0; p < k; p++) {
                    expected += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
                }
                scale = Math.max(scale, Math.abs(expected));
                error = Math.max(error, Math.abs(c32.get((long) i * n + j) - expected));
            }
        }
        return scale == 0 ? error : error / scale;
    }

    /** Values exactly representable in float32, so both sides multiply the same numbers. */
    private static double[] values(SplittableRandom random, int count) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }

    private static Tensor single(Arena arena, double[] values, long[] shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return Tensor.of(arena, f, shape);
    }
}

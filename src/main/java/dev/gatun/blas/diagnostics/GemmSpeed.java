package dev.gatun.blas.diagnostics;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * A quick sgemm GFLOPS probe for {@code gatun info} and for sizing work. Best of a few timed calls after a
 * warm-up: a sanity figure, not a benchmark (those are in bench/, under JMH).
 */
public final class GemmSpeed {
    private GemmSpeed() {}

    /** GFLOPS of square n×n float32 gemm through the door: {@code 2n³} flops per call, best of {@code calls}. */
    public static double squareSgemmGflops(int n, int calls) {
        if (n < 1 || calls < 1) {
            throw new IllegalArgumentException("n and calls must be >= 1, got n=" + n + ", calls=" + calls);
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = random(arena, n, 1);
            Tensor b = random(arena, n, 2);
            Tensor c = Tensor.allocate(arena, DType.F32, n, n);
            Blas.gemm(Transpose.NONE, Transpose.NONE, 1, a, b, 0, c);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < calls; i++) {
                long start = System.nanoTime();
                Blas.gemm(Transpose.NONE, Transpose.NONE, 1, a, b, 0, c);
                best = Math.min(best, System.nanoTime() - start);
            }
            return 2.0 * n * n * (double) n / best;
        }
    }

    private static Tensor random(Arena arena, int n, long seed) {
        Tensor t = Tensor.allocate(arena, DType.F32, n, n);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, random.nextDouble(-1, 1));
        }
        return t;
    }
}

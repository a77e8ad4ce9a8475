package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 updates store an averaged gradient v that falls among the subnormals as +0, the vector kernels and
 * their scalar twins alike, checked against the update rules written out here in float: v = β·v + (1−β)·g, kept when
 * its magnitude is at least 2^−126. s is never flushed, float64 never, and NaN stays NaN.
 */
class StateFlushTest {
    private static final KernelProvider.Optimizer VECTOR = KernelProvider.vector().optimizer();
    private static final KernelProvider.Optimizer SCALAR = KernelProvider.scalar().optimizer();
    private static final float ALPHA = 0.01f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;
    /** Past a whole number of vectors of any width, so the scalar tail runs too. */
    private static final int N = 1003;

    /** A v that lands on either side of 2^−126 after the step, and a zero gradient for a quarter of the weights. */
    private static float[][] inputs(long seed) {
        Random random = new Random(seed);
        float[] v = new float[N];
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            int kind = i % 4;
            // (Float.MIN_NORMAL / β) · (1 + k·2^−22) for k in −8..8: β·v falls on both sides of the boundary.
            float nearBoundary = (float) (Float.MIN_NORMAL / BETA1 * (1 + ((i / 4) % 17 - 8) * 0x1p-22));
            v[i] = switch (kind) {
                case 0 -> nearBoundary;
                case 1 -> -nearBoundary;
                case 2 -> (float) (random.nextDouble(0.5, 2) * 1e-39) * (random.nextBoolean() ? 1 : -1);
                default -> (float) random.nextDouble(-0.1, 0.1);
            };
            g[i] = kind == 3 ? (float) random.nextDouble(-1, 1) : 0f;
        }
        return new float[][] {v, g};
    }

    private static MemorySegment floats(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, values.length);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return segment;
    }

    private static float expectedV(float v, float g) {
        float fresh = BETA1 * v + (1 - BETA1) * g;
        return Math.abs(fresh) < Float.MIN_NORMAL ? 0f : fresh;
    }

    /** The near-boundary inputs land on both sides of 2^−126, so the tests below check both. */
    @Test
    void inputsStraddleTheBoundary() {
        float[][] in = inputs(3);
        int below = 0;
        int atOrAbove = 0;
        for (int i = 0; i < N; i += 4) {
            float fresh = BETA1 * in[0][i];
            if (fresh < Float.MIN_NORMAL) {
                below++;
            } else if (fresh < 2 * Float.MIN_NORMAL) {
                atOrAbove++;
            }
        }
        assertTrue(below > 50 && atOrAbove > 50, "below " + below + ", at or just above " + atOrAbove);
    }

    /** W starts at 0, so a step taken with the unflushed v (about 1e−40) would show in W. */
    @Test
    void momentumStoresSubnormalVAsZero() {
        float[][] in = inputs(3);
        for (KernelProvider.Optimizer kernels : new KernelProvider.Optimizer[] {VECTOR, SCALAR}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment W = floats(arena, new float[N]);
                MemorySegment v = floats(arena, in[0]);
                assertTrue(kernels.momentum(DType.F32, W, floats(arena, in[1]), null, v, 0, N, ALPHA, BETA1));
                for (int i = 0; i < N; i++) {
                    float expected = expectedV(in[0][i], in[1][i]);
                    float got = v.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                            kernels + " v at " + i + ": " + expected + " against " + got);
                    assertEquals(Float.floatToRawIntBits(0f - ALPHA * expected),
                            Float.floatToRawIntBits(W.getAtIndex(ValueLayout.JAVA_FLOAT, i)), kernels + " W at " + i);
                }
            }
        }
    }

    @Test
    void adamFlushesVAndKeepsS() {
        float[][] in = inputs(5);
        float[] s0 = new float[N];
        for (int i = 0; i < N; i++) {
            s0[i] = i % 3 == 0 ? 3e-40f : 1e-4f;
        }
        MemorySegment[] results = new MemorySegment[6];
        try (Arena arena = Arena.ofConfined()) {
            int at = 0;
            for (KernelProvider.Optimizer kernels : new KernelProvider.Optimizer[] {VECTOR, SCALAR}) {
                MemorySegment W = floats(arena, new float[N]);
                MemorySegment v = floats(arena, in[0]);
                MemorySegment s = floats(arena, s0);
                assertTrue(kernels.adam(DType.F32, W, floats(arena, in[1]), null, v, s, 0, N, ALPHA, BETA1, BETA2,
                        EPSILON, 40));
                for (int i = 0; i < N; i++) {
                    float expected = expectedV(in[0][i], in[1][i]);
                    assertEquals(Float.floatToRawIntBits(expected),
                            Float.floatToRawIntBits(v.getAtIndex(ValueLayout.JAVA_FLOAT, i)), kernels + " v at " + i);
                    float g = in[1][i];
                    float expectedS = BETA2 * s0[i] + g * g * (1 - BETA2);
                    assertEquals(Float.floatToRawIntBits(expectedS),
                            Float.floatToRawIntBits(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)), kernels + " s at " + i);
                    if (expected == 0) {
                        // Unflushed, the step would be about 1e−39 here, and W would not stay 0.
                        assertEquals(0, Float.floatToRawIntBits(W.getAtIndex(ValueLayout.JAVA_FLOAT, i)),
                                kernels + ": a flushed v moves no weight, at " + i);
                    }
                }
                results[at++] = W;
                results[at++] = v;
                results[at++] = s;
            }
            for (int k = 0; k < 3; k++) {
                assertEquals(-1, results[k].mismatch(results[k + 3]), "vector kernel and scalar twin, tensor " + k);
            }
        }
    }

    @Test
    void float64AndNanAreNotFlushed() {
        try (Arena arena = Arena.ofConfined()) {
            for (KernelProvider.Optimizer kernels : new KernelProvider.Optimizer[] {VECTOR, SCALAR}) {
                MemorySegment W = arena.allocate(ValueLayout.JAVA_DOUBLE, 3);
                MemorySegment dW = arena.allocate(ValueLayout.JAVA_DOUBLE, 3);
                MemorySegment v = arena.allocate(ValueLayout.JAVA_DOUBLE, 3);
                v.setAtIndex(ValueLayout.JAVA_DOUBLE, 0, 1e-39);
                v.setAtIndex(ValueLayout.JAVA_DOUBLE, 1, 1e-310);
                v.setAtIndex(ValueLayout.JAVA_DOUBLE, 2, -1e-39);
                kernels.momentum(DType.F64, W, dW, null, v, 0, 3, ALPHA, BETA1);
                double beta = BETA1;
                assertEquals(beta * 1e-39, v.getAtIndex(ValueLayout.JAVA_DOUBLE, 0), 0, kernels + ": float64 keeps every bit");
                assertEquals(beta * 1e-310, v.getAtIndex(ValueLayout.JAVA_DOUBLE, 1), 0, kernels + ": float64 subnormal");
                assertTrue(v.getAtIndex(ValueLayout.JAVA_DOUBLE, 1) != 0, "a float64 subnormal stays");

                float[] nanV = new float[N];
                nanV[N - 1] = Float.NaN;
                nanV[5] = Float.NaN;
                MemorySegment vf = floats(arena, nanV);
                boolean finite = kernels.momentum(DType.F32, floats(arena, new float[N]), floats(arena, new float[N]),
                        null, vf, 0, N, ALPHA, BETA1);
                assertFalse(finite, kernels + ": a NaN v reaches W and the explosion check");
                assertTrue(Float.isNaN(vf.getAtIndex(ValueLayout.JAVA_FLOAT, 5)), kernels + ": NaN is not flushed");
                assertTrue(Float.isNaN(vf.getAtIndex(ValueLayout.JAVA_FLOAT, N - 1)), kernels + ": NaN in the tail");
            }
        }
    }
}

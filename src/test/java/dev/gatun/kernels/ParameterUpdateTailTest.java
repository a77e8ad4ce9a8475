package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A parameter update gives the vector provider whole vectors and the scalar twins the rest of each range (so the
 * vector kernels' compilations hold no scalar tail): the result is the scalar twins' bits over the whole range, for
 * sizes that end inside a vector, with and without a second gradient.
 */
class ParameterUpdateTailTest {
    private static final long[] SIZES = {10, 37, 16, 1, 100};

    @Test
    void theVectorProviderNamesItsWidthForFloat32Only() {
        assertEquals(1, KernelProvider.scalar().optimizer().vectorElements(DType.F32));
        KernelProvider.Optimizer vector = KernelProvider.vector().optimizer();
        int width = vector.vectorElements(DType.F32);
        assertTrue(width >= 4 && Integer.bitCount(width) == 1, "a power of two lanes, got " + width);
        assertEquals(1, vector.vectorElements(DType.F64));
    }

    @ParameterizedTest
    @EnumSource(ParameterUpdate.Rule.class)
    void rangesEndingInsideAVectorGetTheScalarTwinsBits(ParameterUpdate.Rule rule) {
        for (boolean second : new boolean[] {false, true}) {
            try (Arena arena = Arena.ofConfined()) {
                int n = SIZES.length;
                DType[] dtypes = new DType[n];
                Arrays.fill(dtypes, DType.F32);
                ParameterUpdate update = new ParameterUpdate(rule, dtypes, SIZES);
                SplittableRandom random = new SplittableRandom(7);
                MemorySegment[][] mine = new MemorySegment[n][];
                MemorySegment[][] reference = new MemorySegment[n][];
                for (int i = 0; i < n; i++) {
                    mine[i] = segments(arena, SIZES[i], random);  // W, dW, dW2, v, s
                    reference[i] = copies(arena, mine[i]);
                    update.set(i, mine[i][0], mine[i][1], second ? mine[i][2] : null, mine[i][3], mine[i][4]);
                }
                assertEquals(-1, update.apply(0.01, 0.9, 0.999, 1e-8, 3));
                KernelProvider.Optimizer scalar = KernelProvider.scalar().optimizer();
                for (int i = 0; i < n; i++) {
                    MemorySegment[] r = reference[i];
                    MemorySegment dW2 = second ? r[2] : null;
                    boolean finite = switch (rule) {
                        case SGD -> scalar.sgd(DType.F32, r[0], r[1], dW2, 0, SIZES[i], 0.01);
                        case MOMENTUM -> scalar.momentum(DType.F32, r[0], r[1], dW2, r[3], 0, SIZES[i], 0.01, 0.9);
                        case RMSPROP -> scalar.rmsprop(DType.F32, r[0], r[1], dW2, r[4], 0, SIZES[i], 0.01, 0.999,
                                1e-8);
                        case ADAM -> scalar.adam(DType.F32, r[0], r[1], dW2, r[3], r[4], 0, SIZES[i], 0.01, 0.9,
                                0.999, 1e-8, 3);
                    };
                    assertTrue(finite);
                    for (int k : new int[] {0, 3, 4}) {
                        assertEquals(-1, r[k].mismatch(mine[i][k]),
                                rule + (second ? " with dW2" : "") + ", size " + SIZES[i] + ", segment " + k);
                    }
                }
            }
        }
    }

    private static MemorySegment[] segments(Arena arena, long size, SplittableRandom random) {
        MemorySegment[] s = new MemorySegment[5];
        for (int k = 0; k < s.length; k++) {
            s[k] = arena.allocate(ValueLayout.JAVA_FLOAT, size);
            for (long e = 0; e < size; e++) {
                // v and s (the state) start non-negative where the rule takes square roots of s.
                float x = (float) (k >= 3 ? random.nextDouble() : random.nextDouble(-1, 1));
                s[k].setAtIndex(ValueLayout.JAVA_FLOAT, e, x);
            }
        }
        return s;
    }

    private static MemorySegment[] copies(Arena arena, MemorySegment[] from) {
        MemorySegment[] to = new MemorySegment[from.length];
        for (int k = 0; k < from.length; k++) {
            to[k] = arena.allocate(from[k].byteSize(), 4).copyFrom(from[k]);
        }
        return to;
    }
}

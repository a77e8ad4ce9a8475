package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each vector kernel against its scalar twin, bit for bit (the twin rounds after every operation exactly as the
 * vector lanes do, and neither fuses multiply-add), over lengths around the vector width and a misaligned view.
 */
class OptimizerKernelsTest {
    private static final KernelProvider.Optimizer VECTOR = KernelProvider.vector().optimizer();
    private static final KernelProvider.Optimizer SCALAR = KernelProvider.scalar().optimizer();
    private static final long[] LENGTHS = {0, 1, 7, 15, 16, 17, 1000, 1_000_000};
    private static final double ALPHA = 0.01;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    enum Rule { SGD, MOMENTUM, RMSPROP, ADAM }

    /** W, dW, v, s over the same n elements. */
    record Buffers(DType dtype, long n, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s) {
        static Buffers random(Arena arena, DType dtype, long n, long seed) {
            Random random = new Random(seed);
            Buffers b = new Buffers(dtype, n, alloc(arena, dtype, n), alloc(arena, dtype, n), alloc(arena, dtype, n),
                    alloc(arena, dtype, n));
            for (long i = 0; i < n; i++) {
                set(b.W, dtype, i, random.nextDouble(-1, 1));
                set(b.dW, dtype, i, random.nextDouble(-1, 1));
                set(b.v, dtype, i, random.nextDouble(-0.1, 0.1));
                set(b.s, dtype, i, random.nextDouble(0, 0.01));
            }
            return b;
        }

        Buffers copy(Arena arena) {
            Buffers c = new Buffers(dtype, n, alloc(arena, dtype, n), alloc(arena, dtype, n), alloc(arena, dtype, n),
                    alloc(arena, dtype, n));
            c.W.copyFrom(W);
            c.dW.copyFrom(dW);
            c.v.copyFrom(v);
            c.s.copyFrom(s);
            return c;
        }

        void apply(Rule rule, boolean vector, long t) {
            switch (rule) {
                case SGD -> {
                    if (vector) VECTOR.sgd(dtype, W, dW, n, ALPHA);
                    else SCALAR.sgd(dtype, W, dW, n, ALPHA);
                }
                case MOMENTUM -> {
                    if (vector) VECTOR.momentum(dtype, W, dW, v, n, ALPHA, BETA1);
                    else SCALAR.momentum(dtype, W, dW, v, n, ALPHA, BETA1);
                }
                case RMSPROP -> {
                    if (vector) VECTOR.rmsprop(dtype, W, dW, s, n, ALPHA, BETA2, EPSILON);
                    else SCALAR.rmsprop(dtype, W, dW, s, n, ALPHA, BETA2, EPSILON);
                }
                case ADAM -> {
                    if (vector) VECTOR.adam(dtype, W, dW, v, s, n, ALPHA, BETA1, BETA2, EPSILON, t);
                    else SCALAR.adam(dtype, W, dW, v, s, n, ALPHA, BETA1, BETA2, EPSILON, t);
                }
            }
        }

        void applyWith(MemorySegment dW2, Rule rule, KernelProvider.Optimizer kernels, long t) {
            switch (rule) {
                case SGD -> kernels.sgd(dtype, W, dW, dW2, 0, n, ALPHA);
                case MOMENTUM -> kernels.momentum(dtype, W, dW, dW2, v, 0, n, ALPHA, BETA1);
                case RMSPROP -> kernels.rmsprop(dtype, W, dW, dW2, s, 0, n, ALPHA, BETA2, EPSILON);
                case ADAM -> kernels.adam(dtype, W, dW, dW2, v, s, 0, n, ALPHA, BETA1, BETA2, EPSILON, t);
            }
        }
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Rule rule : Rule.values()) {
            for (DType dtype : DType.values()) {
                for (long n : LENGTHS) {
                    cases.add(Arguments.of(rule, dtype, n));
                }
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0} {1} n={2}")
    @MethodSource("cases")
    void vectorKernelMatchesScalarTwinBitForBit(Rule rule, DType dtype, long n) {
        try (Arena arena = Arena.ofConfined()) {
            Buffers vector = Buffers.random(arena, dtype, n, 17 * n + rule.ordinal());
            Buffers scalar = vector.copy(arena);
            Buffers before = vector.copy(arena);
            // Two steps, the second at a later t, so Adam's bias-correction constants differ between them.
            for (long t : new long[] {1, 7}) {
                vector.apply(rule, true, t);
                scalar.apply(rule, false, t);
            }
            assertSame("W", vector.W, scalar.W);
            assertSame("v", vector.v, scalar.v);
            assertSame("s", vector.s, scalar.s);
            assertSame("dW (read only)", before.dW, vector.dW);
            if (n > 0) {
                assertTrue(MemorySegment.mismatch(before.W, 0, before.W.byteSize(), vector.W, 0, vector.W.byteSize()) >= 0,
                        "the update must change W");
            }
        }
    }

    /**
     * A second gradient dW2 read by the update gives the bits of the update of dW + dW2 summed first (rounded to the
     * element type), in the vector kernel and its twin: replicas' gradients summed inside the optimizer's pass.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rulesAndTypes")
    void aSecondGradientIsAddedAsIfSummedFirst(Rule rule, DType dtype) {
        for (long n : new long[] {1, 17, 1000}) {
            try (Arena arena = Arena.ofConfined()) {
                Buffers summedFirst = Buffers.random(arena, dtype, n, 5 * n + rule.ordinal());
                Buffers vector = summedFirst.copy(arena);
                Buffers scalar = summedFirst.copy(arena);
                MemorySegment dW2 = Buffers.random(arena, dtype, n, 11 * n).dW();
                MemorySegment dW2Before = alloc(arena, dtype, n);
                dW2Before.copyFrom(dW2);
                for (long i = 0; i < n; i++) {
                    double sum = get(summedFirst.dW(), dtype, i) + get(dW2, dtype, i);
                    set(summedFirst.dW(), dtype, i, dtype == DType.F32 ? (float) sum : sum);
                }
                for (long t : new long[] {1, 7}) {
                    summedFirst.apply(rule, false, t);
                    vector.applyWith(dW2, rule, VECTOR, t);
                    scalar.applyWith(dW2, rule, SCALAR, t);
                }
                for (Buffers fused : new Buffers[] {vector, scalar}) {
                    String which = rule + " " + dtype + " n=" + n + (fused == vector ? " vector" : " scalar");
                    assertSame(which + " W", summedFirst.W(), fused.W());
                    assertSame(which + " v", summedFirst.v(), fused.v());
                    assertSame(which + " s", summedFirst.s(), fused.s());
                }
                assertSame("dW2 (read only)", dW2Before, dW2);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rulesAndTypes")
    void rowSliceViewIsUpdatedAndNothingAroundIt(Rule rule, DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            // Rows 1..4 of a (6, 7) tensor: 28 elements starting 7 elements in, so no vector is aligned to the view.
            Tensor[] whole = new Tensor[4];
            Tensor[] wholeTwin = new Tensor[4];
            Random random = new Random(5);
            for (int k = 0; k < 4; k++) {
                whole[k] = Tensor.allocate(arena, dtype, 6, 7);
                for (long i = 0; i < 42; i++) {
                    whole[k].set(i, k == 3 ? random.nextDouble(0, 0.01) : random.nextDouble(-1, 1));
                }
                wholeTwin[k] = Tensor.allocate(arena, dtype, 6, 7).copyFrom(whole[k]);
            }
            Tensor before = Tensor.allocate(arena, dtype, 6, 7).copyFrom(whole[0]);
            viewOf(whole, dtype).apply(rule, true, 3);
            viewOf(wholeTwin, dtype).apply(rule, false, 3);
            for (int k = 0; k < 4; k++) {
                assertSame("tensor " + k, whole[k].segment(), wholeTwin[k].segment());
            }
            for (long i = 0; i < 42; i++) {
                boolean inside = i >= 7 && i < 35;
                if (!inside) {
                    assertEquals(before.get(i), whole[0].get(i), 0.0, "W outside the view at " + i);
                }
            }
            assertTrue(before.get(7) != whole[0].get(7), "W inside the view must change");
        }
    }

    static Stream<Arguments> rulesAndTypes() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Rule rule : Rule.values()) {
            for (DType dtype : DType.values()) {
                cases.add(Arguments.of(rule, dtype));
            }
        }
        return cases.build();
    }

    private static Buffers viewOf(Tensor[] whole, DType dtype) {
        return new Buffers(dtype, 28, whole[0].rowSlice(1, 5).segment(), whole[1].rowSlice(1, 5).segment(),
                whole[2].rowSlice(1, 5).segment(), whole[3].rowSlice(1, 5).segment());
    }

    /**
     * A finite gradient whose square overflows float32 makes s +Inf and every later step of that weight 0: W stays
     * finite and frozen. The update reports it as it reports a W gone NaN, in the vector body and the scalar tail.
     */
    @ParameterizedTest(name = "{0} at {1}")
    @org.junit.jupiter.params.provider.CsvSource({"RMSPROP, 3", "RMSPROP, 32", "ADAM, 3", "ADAM, 32"})
    void aGradientWhoseSquareOverflowsIsReportedNotFrozenSilently(Rule rule, int at) {
        try (Arena arena = Arena.ofConfined()) {
            for (KernelProvider.Optimizer kernels : java.util.List.of(VECTOR, SCALAR)) {
                Buffers b = Buffers.random(arena, DType.F32, 33, 5);
                assertTrue(finiteAfter(b, rule, kernels), "ordinary gradients");
                set(b.dW(), DType.F32, at, 2e19);
                assertFalse(finiteAfter(b, rule, kernels), rule + " with g = 2e19 at " + at);
                assertTrue(Float.isFinite(b.W().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at)),
                        "W itself stays finite");
            }
        }
    }

    private static boolean finiteAfter(Buffers b, Rule rule, KernelProvider.Optimizer kernels) {
        return switch (rule) {
            case RMSPROP -> kernels.rmsprop(b.dtype(), b.W(), b.dW(), null, b.s(), 0, b.n(), ALPHA, BETA2, EPSILON);
            case ADAM -> kernels.adam(b.dtype(), b.W(), b.dW(), null, b.v(), b.s(), 0, b.n(), ALPHA, BETA1, BETA2,
                    EPSILON, 1);
            default -> throw new IllegalArgumentException(rule + " keeps no squared gradients");
        };
    }

    @Test
    void badArgumentsAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment four = arena.allocate(4 * Float.BYTES);
            MemorySegment three = arena.allocate(3 * Float.BYTES);
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, four, four, -1, ALPHA), "element count must be >= 0");
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, four, three, 4, ALPHA), "dW holds 12 bytes");
            assertMessage(() -> OptimizerKernels.momentum(DType.F32, four, four, three, 4, ALPHA, BETA1), "v holds 12 bytes");
            assertMessage(() -> OptimizerKernels.rmsprop(DType.F64, four, four, four, 4, ALPHA, BETA2, EPSILON),
                    "W holds 16 bytes, fewer than 4 F64");
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, four.asReadOnly(), four, 4, ALPHA), "W is updated in place");
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, null, four, 4, ALPHA), "W must not be null");
            assertMessage(() -> OptimizerKernels.sgd(null, four, four, 4, ALPHA), "dtype must not be null");
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, four, four, 4, Double.NaN), "learning rate");
            assertMessage(() -> OptimizerKernels.sgd(DType.F32, four, four, 4, -0.1), "learning rate");
            assertMessage(() -> OptimizerKernels.momentum(DType.F32, four, four, four, 4, ALPHA, 1.0), "beta must be in [0, 1)");
            assertMessage(() -> OptimizerKernels.rmsprop(DType.F32, four, four, four, 4, ALPHA, -0.5, EPSILON),
                    "beta2 must be in [0, 1)");
            assertMessage(() -> OptimizerKernels.rmsprop(DType.F32, four, four, four, 4, ALPHA, BETA2, 0), "epsilon");
            assertMessage(() -> OptimizerKernels.adam(DType.F32, four, four, four, four, 4, ALPHA, BETA1, BETA2, EPSILON, 0),
                    "step t must be >= 1");
            assertMessage(() -> OptimizerKernels.adam(DType.F32, four, four, four, four, 4, ALPHA, Double.NaN, BETA2, EPSILON,
                    1), "beta1 must be in [0, 1)");
        }
    }

    @Test
    void closedArenaIsIllegalState() {
        Arena arena = Arena.ofConfined();
        MemorySegment W = arena.allocate(64 * Float.BYTES);
        MemorySegment dW = arena.allocate(64 * Float.BYTES);
        arena.close();
        assertThrows(IllegalStateException.class, () -> OptimizerKernels.sgd(DType.F32, W, dW, 64, ALPHA));
    }

    private static void assertMessage(Runnable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private static void assertSame(String what, MemorySegment expected, MemorySegment actual) {
        long at = MemorySegment.mismatch(expected, 0, expected.byteSize(), actual, 0, actual.byteSize());
        assertEquals(-1, at, what + ": vector kernel and scalar twin differ from byte " + at);
    }

    private static MemorySegment alloc(Arena arena, DType dtype, long n) {
        return arena.allocate(n * dtype.byteSize(), Tensor.ALIGNMENT);
    }

    private static double get(MemorySegment segment, DType dtype, long i) {
        return dtype == DType.F32 ? segment.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)
                : segment.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i);
    }

    private static void set(MemorySegment segment, DType dtype, long i, double value) {
        if (dtype == DType.F32) {
            segment.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) value);
        } else {
            segment.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, value);
        }
    }
}

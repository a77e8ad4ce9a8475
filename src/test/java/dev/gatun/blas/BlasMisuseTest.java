package dev.gatun.blas;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static dev.gatun.blas.Transpose.NONE;
import static dev.gatun.blas.Transpose.TRANSPOSED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every malformed call is refused with the documented exception before it reaches native code (Blas's contract:
 * IllegalArgumentException naming both shapes, IllegalStateException after close), and the JVM carries on.
 */
class BlasMisuseTest {

    /** One kind of bad call: what it must throw and what its message must name. */
    record Misuse(String name, Class<? extends RuntimeException> expected, List<String> named, Consumer<Arena> call) {
        @Override
        public String toString() {
            return name;
        }

        void assertRefused(Arena arena) {
            RuntimeException e = assertThrows(expected, () -> call.accept(arena), name);
            assertEquals(expected, e.getClass(), name + ": " + e);
            for (String part : named) {
                assertTrue(e.getMessage().contains(part), name + ": message '" + e.getMessage() + "' should name " + part);
            }
        }
    }

    static List<Misuse> misuses() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        return List.of(
                new Misuse("inner dimensions differ", iae, List.of("(3, 4)", "(5, 2)"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 3, 4), f32(arena, 5, 2), 0, f32(arena, 3, 2))),
                new Misuse("inner dimensions differ after transposing", iae, List.of("(3, 4) transposed", "(4, 2)"),
                        arena -> Blas.gemm(TRANSPOSED, NONE, 1, f32(arena, 3, 4), f32(arena, 4, 2), 0, f32(arena, 4, 2))),
                new Misuse("C has the wrong shape", iae, List.of("(2, 3)", "(3, 4)", "(4, 2)"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 3, 4), f32(arena, 4, 2), 0, f32(arena, 2, 3))),
                new Misuse("segment too small for the shape", iae, List.of("(3, 4)", "16 bytes"),
                        arena -> Tensor.wrap(arena.allocate(16, 64), DType.F32, 3, 4)),
                new Misuse("A and B of different dtypes", iae, List.of("F32 (2, 3)", "F64 (3, 4)"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 2, 3), f64(arena, 3, 4), 0, f32(arena, 2, 4))),
                new Misuse("C of another dtype", iae, List.of("F32 (2, 3)", "F64 (2, 4)"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 2, 3), f32(arena, 3, 4), 0, f64(arena, 2, 4))),
                new Misuse("operand from a closed arena", IllegalStateException.class, List.of("(3, 4)", "closed"),
                        arena -> Blas.gemm(NONE, NONE, 1, closedF32(3, 4), f32(arena, 4, 2), 0, f32(arena, 3, 2))),
                new Misuse("output in a closed arena", IllegalStateException.class, List.of("(3, 2)", "closed"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 3, 4), f32(arena, 4, 2), 0, closedF32(3, 2))),
                new Misuse("zero size", iae, List.of("(0, 4)"), arena -> Tensor.allocate(arena, DType.F32, 0, 4)),
                new Misuse("negative size", iae, List.of("(3, -1)"), arena -> Tensor.allocate(arena, DType.F64, 3, -1)),
                new Misuse("null operand", iae, List.of("B is null"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 2, 2), null, 0, f32(arena, 2, 2))),
                new Misuse("null transpose flag", iae, List.of("transpose"),
                        arena -> Blas.gemm(null, NONE, 1, f32(arena, 2, 2), f32(arena, 2, 2), 0, f32(arena, 2, 2))),
                new Misuse("null shape", iae, List.of("shape"), arena -> Tensor.allocate(arena, DType.F32, (long[]) null)),
                new Misuse("heap-backed segment", iae, List.of("(3, 4)", "heap"),
                        arena -> Blas.gemm(NONE, NONE, 1, Tensor.wrap(MemorySegment.ofArray(new float[12]), DType.F32, 3, 4),
                                f32(arena, 4, 2), 0, f32(arena, 3, 2))),
                new Misuse("output overlaps an input", iae, List.of("C (4, 4)", "A (4, 2)", "overlaps"),
                        arena -> {
                            Tensor memory = f32(arena, 8, 4);
                            Tensor A = memory.reshape(16, 2).rowSlice(0, 4); // floats 0..7
                            Tensor C = memory.rowSlice(1, 5);                // floats 4..19
                            Blas.gemm(NONE, NONE, 1, A, f32(arena, 2, 4), 0, C);
                        }),
                new Misuse("output is an input", iae, List.of("C (3, 3)", "B (3, 3)", "overlaps"),
                        arena -> {
                            Tensor B = f32(arena, 3, 3);
                            Blas.gemm(NONE, NONE, 1, f32(arena, 3, 3), B, 0, B);
                        }),
                new Misuse("matrix of rank 1", iae, List.of("(12)"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 12), f32(arena, 4, 2), 0, f32(arena, 3, 2))),
                new Misuse("gemv x of the wrong length", iae, List.of("(3, 4)", "(3)"),
                        arena -> Blas.gemv(NONE, 1, f32(arena, 3, 4), f32(arena, 3), 0, f32(arena, 3))),
                new Misuse("gemv y of the wrong length", iae, List.of("(3, 4) transposed", "(3)"),
                        arena -> Blas.gemv(TRANSPOSED, 1, f32(arena, 3, 4), f32(arena, 3), 0, f32(arena, 3))),
                new Misuse("axpy lengths differ", iae, List.of("(5)", "(4)"),
                        arena -> Blas.axpy(2, f64(arena, 5), f64(arena, 4))),
                new Misuse("dot of mixed dtypes", iae, List.of("F32 (4)", "F64 (4)"),
                        arena -> Blas.dot(f32(arena, 4), f64(arena, 4))),
                new Misuse("scal in a closed arena", IllegalStateException.class, List.of("(3, 2)"),
                        arena -> Blas.scal(2, closedF32(3, 2))),
                // Native code ignores Java's read-only flag: into a READ_ONLY mapping of a file it would die of SIGSEGV.
                new Misuse("gemm into a read-only C", iae, List.of("C (3, 2)", "read-only"),
                        arena -> Blas.gemm(NONE, NONE, 1, f32(arena, 3, 4), f32(arena, 4, 2), 0,
                                Tensor.wrap(f32(arena, 3, 2).segment().asReadOnly(), DType.F32, 3, 2))),
                new Misuse("gemv into a read-only y", iae, List.of("y (3)", "read-only"),
                        arena -> Blas.gemv(NONE, 1, f32(arena, 3, 4), f32(arena, 4), 0,
                                Tensor.wrap(f32(arena, 3).segment().asReadOnly(), DType.F32, 3))),
                new Misuse("axpy into a read-only y", iae, List.of("y (4)", "read-only"),
                        arena -> Blas.axpy(2, f64(arena, 4), Tensor.wrap(f64(arena, 4).segment().asReadOnly(), DType.F64, 4))),
                new Misuse("scal of a read-only x", iae, List.of("x (3, 2)", "read-only"),
                        arena -> Blas.scal(2, Tensor.wrap(f32(arena, 3, 2).segment().asReadOnly(), DType.F32, 3, 2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("misuses")
    void eachMisuseIsRefusedWithTheDocumentedException(Misuse misuse) {
        try (Arena arena = Arena.ofConfined()) {
            misuse.assertRefused(arena);
        }
    }

    /** Another thread's confined memory is named: the JDK's WrongThreadException names neither call nor operand. */
    @Test
    void operandsOfAnotherThreadsConfinedArenaAreNamed() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor A = f32(arena, 3, 4);
            Tensor x = f32(arena, 4);
            java.util.List<Throwable> thrown = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try (Arena own = Arena.ofConfined()) {
                    for (Runnable call : List.<Runnable>of(
                            () -> Blas.gemm(NONE, NONE, 1, A, f32(own, 4, 2), 0, f32(own, 3, 2)),
                            () -> Blas.axpy(1, x, f32(own, 4)))) {
                        try {
                            call.run();
                        } catch (Throwable e) {
                            thrown.add(e);
                        }
                    }
                }
            });
            other.join();
            assertEquals(2, thrown.size(), thrown.toString());
            assertEquals("gemm: A (3, 4) belongs to a confined arena of another thread", thrown.get(0).getMessage());
            assertEquals("axpy: x (4) belongs to a confined arena of another thread", thrown.get(1).getMessage());
        }
    }

    @Test
    void aRefusedCallWritesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor C = f32(arena, 3, 2).fill(5);
            assertThrows(IllegalArgumentException.class,
                    () -> Blas.gemm(NONE, NONE, 1, f32(arena, 3, 4), f64(arena, 4, 2), 0, C));
            Tensor y = f32(arena, 4).fill(5);
            assertThrows(IllegalArgumentException.class, () -> Blas.axpy(1, f32(arena, 5), y));
            for (float value : C.toFloatArray()) {
                assertEquals(5f, value);
            }
            for (float value : y.toFloatArray()) {
                assertEquals(5f, value);
            }
        }
    }

    @Test
    void aThousandMisusesLaterTheJvmStillComputesCorrectly() {
        List<Misuse> misuses = misuses();
        Map<String, Integer> seen = new HashMap<>();
        SplittableRandom random = new SplittableRandom(1000);
        try (Arena arena = Arena.ofConfined()) {
            for (int call = 0; call < 1000; call++) {
                Misuse misuse = misuses.get(random.nextInt(misuses.size()));
                misuse.assertRefused(arena);
                seen.merge(misuse.name(), 1, Integer::sum);
            }
        }
        assertEquals(misuses.size(), seen.size(), "every kind of misuse was tried: " + seen);

        try (Arena arena = Arena.ofConfined()) {
            // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]], worked by hand
            Tensor A = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor B = Tensor.of(arena, new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
            Tensor C = Tensor.allocate(arena, DType.F32, 2, 2);
            Blas.gemm(NONE, NONE, 1, A, B, 0, C);
            assertArrayEquals(new float[] {58, 64, 139, 154}, C.toFloatArray());
            // float64, alpha 0.5, beta 2 on a C of ones: 0.5·[[58,64],[139,154]] + 2
            Tensor D = Tensor.of(arena, new double[] {1, 1, 1, 1}, 2, 2);
            Blas.gemm(NONE, NONE, 0.5, Tensor.of(arena, new double[] {1, 2, 3, 4, 5, 6}, 2, 3),
                    Tensor.of(arena, new double[] {7, 8, 9, 10, 11, 12}, 3, 2), 2, D);
            assertArrayEquals(new double[] {31, 34, 71.5, 79}, D.toDoubleArray());
        }
    }

    private static Tensor f32(Arena arena, long... shape) {
        return Tensor.allocate(arena, DType.F32, shape);
    }

    private static Tensor f64(Arena arena, long... shape) {
        return Tensor.allocate(arena, DType.F64, shape);
    }

    private static Tensor closedF32(long... shape) {
        Arena arena = Arena.ofConfined();
        Tensor t = f32(arena, shape);
        arena.close();
        return t;
    }
}

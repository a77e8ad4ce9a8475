package dev.gatun.blas;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.gatun.blas.Transpose.NONE;
import static dev.gatun.blas.Transpose.TRANSPOSED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The door's fast gemm predicate ({@link BlasArguments#gemmHolds}) against the checks that name what is wrong:
 * it must say no to every call they refuse (else a bad call would reach native code unchecked) and yes to the
 * well-formed ones, including operands that touch in memory without overlapping.
 */
class GemmChecksTest {

    /** One gemm call's arguments. */
    record Call(String name, Transpose ta, Transpose tb, Tensor A, Tensor B, Tensor C) {
        boolean holds() {
            return BlasArguments.gemmHolds(ta, tb, A, B, C);
        }

        void run() {
            Blas.referenceGemm(ta, tb, 1, A, B, 0, C);
        }
    }

    private static List<Call> refused(Arena arena) {
        Tensor memory = f32(arena, 8, 4);
        Tensor floats = memory.reshape(32, 1);
        Arena closed = Arena.ofConfined();
        Tensor closedA = f32(closed, 3, 4);
        Tensor closedB = f32(closed, 4, 2);
        Tensor closedC = f32(closed, 3, 2);
        closed.close();
        Tensor shared = f32(arena, 3, 3);
        List<Call> calls = new ArrayList<>();
        calls.add(new Call("inner dimensions differ", NONE, NONE, f32(arena, 3, 4), f32(arena, 5, 2), f32(arena, 3, 2)));
        calls.add(new Call("inner dimensions differ after transposing A", TRANSPOSED, NONE, f32(arena, 3, 4),
                f32(arena, 4, 2), f32(arena, 4, 2)));
        calls.add(new Call("inner dimensions differ after transposing B", NONE, TRANSPOSED, f32(arena, 3, 4),
                f32(arena, 4, 2), f32(arena, 3, 4)));
        calls.add(new Call("C has the wrong rows", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2), f32(arena, 2, 2)));
        calls.add(new Call("C has the wrong columns", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2), f32(arena, 3, 3)));
        calls.add(new Call("B of another dtype", NONE, NONE, f32(arena, 2, 3), f64(arena, 3, 4), f32(arena, 2, 4)));
        calls.add(new Call("C of another dtype", NONE, NONE, f32(arena, 2, 3), f32(arena, 3, 4), f64(arena, 2, 4)));
        calls.add(new Call("A closed", NONE, NONE, closedA, f32(arena, 4, 2), f32(arena, 3, 2)));
        calls.add(new Call("B closed", NONE, NONE, f32(arena, 3, 4), closedB, f32(arena, 3, 2)));
        calls.add(new Call("C closed", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2), closedC));
        calls.add(new Call("A null", NONE, NONE, null, f32(arena, 2, 2), f32(arena, 2, 2)));
        calls.add(new Call("B null", NONE, NONE, f32(arena, 2, 2), null, f32(arena, 2, 2)));
        calls.add(new Call("C null", NONE, NONE, f32(arena, 2, 2), f32(arena, 2, 2), null));
        calls.add(new Call("transA null", null, NONE, f32(arena, 2, 2), f32(arena, 2, 2), f32(arena, 2, 2)));
        calls.add(new Call("transB null", NONE, null, f32(arena, 2, 2), f32(arena, 2, 2), f32(arena, 2, 2)));
        calls.add(new Call("A on the heap", NONE, NONE, Tensor.wrap(MemorySegment.ofArray(new float[12]), DType.F32, 3, 4),
                f32(arena, 4, 2), f32(arena, 3, 2)));
        calls.add(new Call("C on the heap", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2),
                Tensor.wrap(MemorySegment.ofArray(new float[6]), DType.F32, 3, 2)));
        calls.add(new Call("A of rank 1", NONE, NONE, f32(arena, 12), f32(arena, 4, 2), f32(arena, 3, 2)));
        calls.add(new Call("B of rank 3", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2, 1), f32(arena, 3, 2)));
        // A is floats 0..7 of one block, C floats 7..22: one float in common.
        calls.add(new Call("C overlaps A by one float", NONE, NONE, floats.rowSlice(0, 8).reshape(4, 2),
                f32(arena, 2, 4), floats.rowSlice(7, 23).reshape(4, 4)));
        calls.add(new Call("C overlaps B", NONE, NONE, f32(arena, 4, 2), floats.rowSlice(20, 28).reshape(2, 4),
                memory.rowSlice(4, 8)));
        calls.add(new Call("C is B", NONE, NONE, f32(arena, 3, 3), shared, shared));
        return calls;
    }

    @Test
    void everyCallTheNamingChecksRefuseTheFastPredicateRefusesToo() {
        try (Arena arena = Arena.ofConfined()) {
            List<Call> calls = refused(arena);
            for (Call call : calls) {
                assertFalse(call.holds(), call.name() + ": the fast predicate let it through");
                RuntimeException e = assertThrows(RuntimeException.class, call::run, call.name());
                assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException,
                        call.name() + ": " + e);
            }
        }
    }

    @Test
    void wellFormedCallsPassTheFastPredicateWithEveryTranspose() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor memory = f32(arena, 8, 4);
            List<Call> calls = List.of(
                    new Call("plain", NONE, NONE, f32(arena, 3, 4), f32(arena, 4, 2), f32(arena, 3, 2)),
                    new Call("A transposed", TRANSPOSED, NONE, f32(arena, 4, 3), f32(arena, 4, 2), f32(arena, 3, 2)),
                    new Call("B transposed", NONE, TRANSPOSED, f32(arena, 3, 4), f32(arena, 2, 4), f32(arena, 3, 2)),
                    new Call("both transposed", TRANSPOSED, TRANSPOSED, f64(arena, 4, 3), f64(arena, 2, 4), f64(arena, 3, 2)),
                    // A is floats 0..7, C floats 8..23 of the same block: adjacent, not overlapping.
                    new Call("C right after A", NONE, NONE, memory.rowSlice(0, 2).reshape(4, 2), f32(arena, 2, 4),
                            memory.rowSlice(2, 6)),
                    // Inputs may alias each other; only C must be apart from them.
                    new Call("A and B one tensor", NONE, NONE, memory.rowSlice(0, 4), memory.rowSlice(0, 4),
                            memory.rowSlice(4, 8)));
            for (Call call : calls) {
                assertTrue(call.holds(), call.name());
                assertDoesNotThrow(call::run, call.name());
            }
        }
    }

    private static Tensor f32(Arena arena, long... shape) {
        return Tensor.allocate(arena, DType.F32, shape);
    }

    private static Tensor f64(Arena arena, long... shape) {
        return Tensor.allocate(arena, DType.F64, shape);
    }
}

package dev.gatun.kernels.vector;

import dev.gatun.activation.Activation;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tensors cannot be empty; the vector bodies that take an element count still must do nothing, and touch nothing,
 * for n = 0.
 */
class VectorBodiesTest {
    @Test
    void vector_bodies_do_nothing_on_length_zero() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64 * Double.BYTES, 64);
            for (int i = 0; i < 64; i++) {
                s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, 42.0 + i);
            }
            MemorySegment before = arena.allocate(s.byteSize());
            before.copyFrom(s);
            assertEquals(0, VectorActivations.backward(Activation.TANH, s, s, s, 0, 0));
            assertEquals(0.0, VectorLosses.sigmoidCrossEntropy(s, s, s, 0));
            assertEquals(0.0, VectorLosses.squaredError(s, s, s, 0));
            assertEquals(0.0, VectorReductions.sum(s, 0, true));
            assertEquals(0.0, VectorReductions.sum(s, 0, false));
            VectorBatchNorm.normalize(s, 0, 3, s, s, s, s, s, s, 0, 3);
            assertEquals(-1, before.mismatch(s), "a vector body wrote memory for length 0");
        }
    }
}

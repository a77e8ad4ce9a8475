package dev.gatun.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The one rule for what a model's outputs mean: classes per softmax output, one sigmoid is binary, else none. */
class LossClassesTest {
    @Test
    void classesFollowTheLossAndTheOutputCount() {
        assertEquals(10, Loss.SOFTMAX_CROSS_ENTROPY.classes(10));
        assertEquals(2, Loss.BINARY_CROSS_ENTROPY.classes(1));
        assertEquals(0, Loss.BINARY_CROSS_ENTROPY.classes(3), "independent sigmoids: no single class per row");
        assertEquals(0, Loss.MSE.classes(1));
        assertTrue(Loss.BINARY_CROSS_ENTROPY.predictsClasses(1));
        assertFalse(Loss.BINARY_CROSS_ENTROPY.predictsClasses(2));
        assertFalse(Loss.MSE.predictsClasses(4));
    }
}

package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

/** A call that fails affects that call only: the predictor keeps answering, and closes, once or twice. */
class PredictorAfterFailureTest {
    /**
     * A batch too large for memory (its hidden layer alone would take 800 GB) evicted one of the context's cached batch
     * sizes before allocating: every later call of that size failed "already closed", and a second close() spun forever.
     */
    @Test
    @Timeout(60)
    void aBatchTooLargeForMemoryFailsAloneAndClosingStaysSafe() {
        try (Arena arena = Arena.ofShared();
             Model model = Model.builder(1).dense(200_000, Activation.RELU).output(10, Loss.SOFTMAX_CROSS_ENTROPY)
                     .seed(3).build(arena)) {
            Predictor predictor = Predictor.of(model, Normalization.none(1), Predictor.Options.defaults().withSlots(1));
            float[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
            float[] before = new float[8 * 10];
            for (int m : new int[] {8, 16, 32, 64}) {   // fill the context's cache of batch sizes
                predictor.predict(new float[m], m, new float[m * 10]);
            }
            predictor.predict(eight, 8, before);
            long bytes = predictor.nativeBytes();
            int huge = 1_000_000;
            assertThrows(OutOfMemoryError.class, () -> predictor.predict(new float[huge], huge, new float[huge * 10]));
            assertEquals(bytes, predictor.nativeBytes(), "the failed size neither counted nor left allocated");
            float[] after = new float[8 * 10];
            predictor.predict(eight, 8, after);
            assertArrayEquals(before, after);
            predictor.close();
            predictor.close();
            assertTrue(predictor.isClosed());
        }
    }

    /**
     * A context that cannot be made (here: no stages; in a service, no heap for its scratch arrays) fails that call
     * only: its slot must not stay BUSY, or close() would wait for it for ever.
     */
    @Test
    @Timeout(60)
    void aContextThatCannotBeMadeLeavesItsSlotFree() {
        ContextPool pool = new ContextPool(java.util.List.of(), 1);
        assertThrows(java.util.NoSuchElementException.class, pool::acquire);
        assertThrows(java.util.NoSuchElementException.class, pool::acquire, "the slot is free to try again");
        pool.close();
        assertThrows(IllegalStateException.class, pool::acquire);
    }

    /** A slot count beyond any service's concurrency is refused in Options, before the predictor allocates. */
    @Test
    void slotsAreBounded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Predictor.Options.defaults().withSlots(Predictor.Options.MAX_SLOTS + 1));
        assertTrue(e.getMessage().contains("1 to 65536 slots"), e.getMessage());
        assertEquals(Predictor.Options.MAX_SLOTS, Predictor.Options.defaults().withSlots(Predictor.Options.MAX_SLOTS).slots());
    }
}

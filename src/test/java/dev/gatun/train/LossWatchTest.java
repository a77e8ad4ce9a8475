package dev.gatun.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossWatchTest {
    @Test
    void one_unlucky_batch_after_a_resume_is_averaged_in_as_it_would_have_been_without_the_resume() {
        LossWatch uninterrupted = new LossWatch();
        assertFalse(uninterrupted.exceeds(2.0, 3.0));         // the first loss: the reference
        for (int i = 0; i < 50; i++) {
            assertFalse(uninterrupted.exceeds(0.5, 3.0));
        }
        LossWatch resumed = new LossWatch();
        resumed.resume(uninterrupted.reference(), uninterrupted.smoothed());
        // 7.0 > 3 × 2.0, but the smoothed loss moves by a tenth of it: 0.9·s + 0.7.
        double expected = 0.9 * uninterrupted.smoothed() + 0.1 * 7.0;
        assertFalse(uninterrupted.exceeds(7.0, 3.0));
        assertFalse(resumed.exceeds(7.0, 3.0));
        assertEquals(expected, resumed.smoothed(), 1e-15);
        assertEquals(uninterrupted.smoothed(), resumed.smoothed(), 0.0);
    }

    @Test
    void without_a_smoothed_loss_a_resume_starts_the_average_at_the_next_batch() {
        LossWatch resumed = new LossWatch();
        resumed.resume(2.0, Double.NaN);
        assertTrue(resumed.exceeds(7.0, 3.0), "the batch alone against 3 × 2.0");
        assertEquals(7.0, resumed.smoothed());
    }

    @Test
    void a_real_divergence_still_crosses_the_limit_within_a_few_steps() {
        LossWatch watch = new LossWatch();
        watch.resume(2.0, 0.5);
        int steps = 0;
        double loss = 1.0;
        while (!watch.exceeds(loss, 3.0)) {
            loss *= 10;
            steps++;
        }
        assertTrue(steps <= 3, "crossed after " + steps + " steps");
    }
}

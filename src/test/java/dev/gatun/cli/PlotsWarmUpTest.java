package dev.gatun.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plots' warm-up runs on a daemon thread, which cannot keep the JVM alive, and finishes. */
class PlotsWarmUpTest {
    @Test
    void the_warm_up_runs_on_a_daemon_thread_that_finishes() throws InterruptedException {
        Thread warm = Plots.warmUpInBackground();
        assertEquals("gatun-plots-warm-up", warm.getName());
        assertTrue(warm.isDaemon(), "the warm-up thread must not keep the JVM alive");
        warm.join(60_000);
        assertFalse(warm.isAlive(), "the warm-up thread finished within 60 s");
    }
}

package dev.gatun.kernels;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepPoolTest {
    @Test
    void every_chunk_of_every_call_runs_exactly_once() {
        for (int threads = 1; threads <= 4; threads++) {
            try (StepPool pool = new StepPool(threads)) {
                assertEquals(threads, pool.threads());
                for (int call = 0; call < 2_000; call++) {
                    int count = 1 + call % 37;
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    pool.run(c -> runs.incrementAndGet(c), count);
                    for (int c = 0; c < count; c++) {
                        assertEquals(1, runs.get(c), threads + " threads, call " + call + ": runs of chunk " + c
                                + " of " + count);
                    }
                }
            }
        }
    }

    @Test
    void chunks_run_on_the_workers_too_and_a_call_of_zero_chunks_does_nothing() throws InterruptedException {
        Set<String> names = ConcurrentHashMap.newKeySet();
        try (StepPool pool = new StepPool(3)) {
            pool.run(c -> {
                throw new AssertionError("no chunk to run");
            }, 0);
            // Chunks that wait for each other can only finish when three threads run them at once.
            for (int call = 0; call < 50 && names.size() < 3; call++) {
                java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(3);
                pool.run(c -> {
                    names.add(Thread.currentThread().getName());
                    all.countDown();
                    try {
                        all.await(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, 3);
            }
        }
        assertTrue(names.contains("gatun-step-1") && names.contains("gatun-step-2")
                && names.contains(Thread.currentThread().getName()), names.toString());
    }

    @Test
    void an_exception_in_a_chunk_reaches_the_caller_after_the_other_chunks_ran() {
        try (StepPool pool = new StepPool(2)) {
            for (int failing = 0; failing < 4; failing++) {
                int bad = failing;
                AtomicIntegerArray runs = new AtomicIntegerArray(4);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run(c -> {
                    runs.incrementAndGet(c);
                    if (c == bad) {
                        throw new IllegalArgumentException("label 12 of row " + c + " is outside [0, 10)");
                    }
                }, 4));
                assertEquals("label 12 of row " + bad + " is outside [0, 10)", e.getMessage());
                for (int c = 0; c < 4; c++) {
                    assertEquals(1, runs.get(c), "chunk " + c);
                }
            }
            // The pool still works after a failed call.
            AtomicIntegerArray runs = new AtomicIntegerArray(5);
            pool.run(runs::incrementAndGet, 5);
            assertEquals(5, runs.get(0) + runs.get(1) + runs.get(2) + runs.get(3) + runs.get(4));
        }
    }

    @Test
    void an_error_from_a_chunk_is_rethrown_as_itself() {
        try (StepPool pool = new StepPool(2)) {
            OutOfMemoryError thrown = new OutOfMemoryError("chunk 1");
            OutOfMemoryError caught = assertThrows(OutOfMemoryError.class, () -> pool.run(c -> {
                if (c == 1) {
                    throw thrown;
                }
            }, 2));
            assertSame(thrown, caught);
        }
    }

    @Test
    void close_stops_the_workers_and_later_calls_are_refused() {
        StepPool pool = new StepPool(3);
        pool.run(c -> { }, 3);
        assertFalse(pool.stopped());
        pool.close();
        pool.close();
        assertTrue(pool.stopped(), "workers still alive after close");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(c -> { }, 2));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void a_pool_needs_the_calling_thread_and_at_most_a_thread_per_core_of_the_largest_machines() {
        for (int threads : new int[] {0, StepPool.MAX_THREADS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepPool(threads));
            assertEquals("a step pool runs 1 (the caller) to 1024 threads, asked for " + threads, e.getMessage());
        }
    }
}

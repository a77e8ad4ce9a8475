package dev.gatun.serve;

import dev.gatun.blas.Blas;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A predictor's batch threads ({@link Predictor.Options#withBatchThreads}): a large batch cut into shares, each on
 * its own thread with single-threaded sgemm, gives what the unsplit pass gives, refuses what it refuses (naming the
 * same input), and allocates nothing once warm. The BLAS thread count is process-global: this class sets it to 1
 * (the split's condition) and runs in a JVM of its own.
 */
class PredictorBatchThreadsTest {
    private static final int IN = 40;
    private static final int OUT = 3;
    private static int blasThreadsBefore;

    @BeforeAll
    static void oneBlasThread() {
        blasThreadsBefore = Blas.threads();
        Blas.setThreads(1);
    }

    @AfterAll
    static void restore() {
        if (blasThreadsBefore >= 1) {
            Blas.setThreads(blasThreadsBefore);
        }
    }

    private static Predictor.Options threads(int count) {
        return Predictor.Options.defaults().withBatchThreads(count);
    }

    /**
     * Every loss; odd row counts too (shares of 131 and 132 rows, and 87, 88 and 88), and 1,024 rows: what the unsplit
     * call gives, and the naive double pass agrees.
     */
    @ParameterizedTest
    @EnumSource(Loss.class)
    void sharesGiveTheUnsplitResults(Loss loss) {
        Normalization norm = Nets.perFeature(IN, 2);
        try (Arena arena = Arena.ofShared(); Model model = Nets.mixed(arena, IN, loss, OUT);
             Predictor one = Predictor.of(model, norm);
             Predictor two = Predictor.of(model, norm, threads(2));
             Predictor three = Predictor.of(model, norm, threads(3))) {
            for (int m : new int[]{263, 200, 1024}) {
                float[] rows = Nets.raw(m, m * IN);
                float[] expected = new float[m * OUT];
                one.predict(rows, m, expected);
                for (Predictor p : new Predictor[]{two, three}) {
                    long before = p.batchSplit().splitCalls();
                    float[] out = new float[m * OUT];
                    p.predict(rows, m, out);
                    assertEquals(before + 1, p.batchSplit().splitCalls(), m + " rows: the call was split");
                    assertClose(expected, out, m + " rows, float[]");
                    MemorySegment shared = arena.allocate(4L * m * IN);
                    MemorySegment.copy(rows, 0, shared, ValueLayout.JAVA_FLOAT, 0, rows.length);
                    MemorySegment segOut = arena.allocate(4L * m * OUT);
                    p.predict(shared, m, segOut);
                    assertClose(expected, segOut.toArray(ValueLayout.JAVA_FLOAT), m + " rows, shared segment");
                    try (Arena confined = Arena.ofConfined()) {   // the workers cannot read it: normalised by the caller
                        MemorySegment own = confined.allocate(4L * m * IN);
                        MemorySegment.copy(rows, 0, own, ValueLayout.JAVA_FLOAT, 0, rows.length);
                        MemorySegment ownOut = confined.allocate(4L * m * OUT);
                        p.predict(own, m, ownOut);
                        assertClose(expected, ownOut.toArray(ValueLayout.JAVA_FLOAT), m + " rows, confined segment");
                    }
                    assertEquals(before + 3, p.batchSplit().splitCalls(), m + " rows: every call was split");
                }
                for (int r = 0; r < m; r += 37) {   // and the course's formulas, row by row in double
                    double[] reference = Nets.reference(model, norm, Arrays.copyOfRange(rows, r * IN, (r + 1) * IN));
                    for (int j = 0; j < OUT; j++) {
                        assertEquals(reference[j], expected[r * OUT + j], 1e-4 * Math.max(1, Math.abs(reference[j])),
                                loss + " row " + r + " output " + j);
                    }
                }
            }
        }
    }

    /**
     * To float32 rounding, not bit for bit: OpenBLAS's sgemm gives a row other last bits in a product of another row
     * count (131 rows against 263: 0.15227585 for 0.15227586), and with other thread counts; the softmax of short
     * rows shifts each block of rows by the block's largest logit, and a share's edge cuts a block. A probability of
     * 2e-7 moved by 3e-12.
     */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int k = 0; k < expected.length; k++) {
            if (Float.isNaN(expected[k])) {
                assertTrue(Float.isNaN(actual[k]), what + " value " + k + ": NaN unsplit, " + actual[k] + " split");
                continue;
            }
            assertEquals(expected[k], actual[k], 1e-5f * Math.max(1f, Math.abs(expected[k])),
                    what + " value " + k);
        }
    }

    /** Too few rows per share, or a BLAS with threads of its own: the call runs on the caller, unsplit. */
    @Test
    void smallBatchesAndAThreadedBlasAreNotSplit() {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor p = Predictor.of(model, Normalization.none(IN), threads(2))) {
            int small = 2 * Predictor.BATCH_THREAD_MIN_ROWS - 1;
            p.predict(Nets.raw(1, small * IN), small, new float[small * OUT]);
            assertEquals(0, p.batchSplit().splitCalls(), "a batch of " + small + " rows");
            int m = 2 * Predictor.BATCH_THREAD_MIN_ROWS;
            float[] rows = Nets.raw(2, m * IN);
            float[] split = new float[m * OUT];
            p.predict(rows, m, split);
            assertEquals(1, p.batchSplit().splitCalls(), "a batch of " + m + " rows");
            Blas.setThreads(2);
            try {
                float[] unsplit = new float[m * OUT];
                p.predict(rows, m, unsplit);
                assertEquals(1, p.batchSplit().splitCalls(), "with 2 BLAS threads the call is not split");
                assertClose(unsplit, split, "split and unsplit");
            } finally {
                Blas.setThreads(1);
            }
        }
    }

    /** The same refusals as unsplit: the batch's first bad input by its place, out left as it was. */
    @Test
    void aRefusedInputIsNamedAsUnsplit() {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor one = Predictor.of(model, Normalization.none(IN));
             Predictor two = Predictor.of(model, Normalization.none(IN), threads(2))) {
            int m = 300;
            float[] rows = Nets.raw(3, m * IN);
            rows[250 * IN + 7] = Float.NaN;   // in the second share only
            assertSameRefusal(one, two, rows, m, "input row 250 element 7 is NaN", arena);
            rows[20 * IN + 3] = Float.POSITIVE_INFINITY;   // and now in the first too: the first one in the batch
            assertSameRefusal(one, two, rows, m, "input row 20 element 3 is Infinity", arena);
            float[] huge = new float[IN];
            Arrays.fill(huge, 3e38f);
            float[] overflow = Nets.raw(4, m * IN);
            System.arraycopy(huge, 0, overflow, 200 * IN, IN);
            assertSameRefusal(one, two, overflow, m, "input row 200 gives output ", arena);
            assertEquals(6, two.batchSplit().splitCalls(), "each refused call was split");
            float[] good = Nets.raw(5, m * IN);   // and the predictor works on after them
            float[] expected = new float[m * OUT];
            float[] out = new float[m * OUT];
            one.predict(good, m, expected);
            two.predict(good, m, out);
            assertClose(expected, out, "a good batch after the refused ones");
            assertEquals(7, two.batchSplit().splitCalls(), "the good batch was split too");
        }
    }

    /** A finite input the normalisation takes to ±Inf, in a row the caller normalises (a confined segment) or a share. */
    @Test
    void aNormalisationOverflowIsNamedFromEveryPath() {
        float[] mean = new float[IN];
        float[] std = new float[IN];
        Arrays.fill(std, 1f);
        std[5] = 1e-30f;
        Normalization tiny = Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, IN, mean, std);
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor one = Predictor.of(model, tiny);
             Predictor two = Predictor.of(model, tiny, threads(2))) {
            int m = 200;
            float[] rows = Nets.raw(6, m * IN);
            for (int r = 0; r < m; r++) {
                rows[r * IN + 5] = 0f;
            }
            rows[150 * IN + 5] = -1e10f;
            assertSameRefusal(one, two, rows, m, "input row 150 element 5 is -1.0E10, which the model's normalisation",
                    arena);
            try (Arena confined = Arena.ofConfined()) {
                MemorySegment own = confined.allocate(4L * m * IN);
                MemorySegment.copy(rows, 0, own, ValueLayout.JAVA_FLOAT, 0, rows.length);
                MemorySegment ownOut = confined.allocate(4L * m * OUT);
                ownOut.fill((byte) 0x5A);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> two.predict(own, m, ownOut));
                assertTrue(e.getMessage().startsWith("input row 150 element 5 is -1.0E10")
                        && e.getMessage().contains("takes to -Infinity"), e.getMessage());
                assertUntouched(ownOut, "confined segment");
            }
            // The confined rows were refused by the caller, before any share ran.
            assertEquals(2, two.batchSplit().splitCalls(), "the float[] and shared segment calls were split");
        }
    }

    /** PROPAGATE: the split lets a NaN row through as the unsplit call does, and the other rows are as they are. */
    @Test
    void propagateLetsANaNRowThroughTheShares() {
        Predictor.Options lenient = Predictor.Options.defaults().withNonFinite(Predictor.NonFinite.PROPAGATE);
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor one = Predictor.of(model, Normalization.none(IN), lenient);
             Predictor two = Predictor.of(model, Normalization.none(IN), lenient.withBatchThreads(2))) {
            int m = 256;
            float[] rows = Nets.raw(7, m * IN);
            rows[200 * IN + 1] = Float.NaN;
            float[] expected = new float[m * OUT];
            float[] out = new float[m * OUT];
            one.predict(rows, m, expected);
            two.predict(rows, m, out);
            assertEquals(1, two.batchSplit().splitCalls());
            assertTrue(Float.isNaN(out[200 * OUT]), "the NaN row's outputs are NaN");
            assertClose(expected, out, "PROPAGATE");
        }
    }

    /** Closing while callers run split batches: they finish or get IllegalStateException, and the threads end. */
    @Test
    void closingUnderSplitLoadEndsCleanly() throws Exception {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 6, IN, 32, OUT)) {
            Predictor p = Predictor.of(model, Normalization.none(IN), threads(2));
            long workerId = p.batchSplit().workerIds()[0];
            int m = 256;
            float[] rows = Nets.raw(9, m * IN);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger closedSeen = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(2);
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread caller = new Thread(() -> {
                    float[] out = new float[m * OUT];
                    running.countDown();
                    try {
                        for (;;) {
                            p.predict(rows, m, out);
                        }
                    } catch (IllegalStateException e) {
                        closedSeen.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                callers.add(caller);
                caller.start();
            }
            running.await();
            Thread.sleep(200);
            p.close();
            for (Thread caller : callers) {
                caller.join(10_000);
                assertFalse(caller.isAlive(), "a caller still running after close");
            }
            assertNull(failure.get());
            assertEquals(2, closedSeen.get(), "each caller was told the predictor is closed");
            assertTrue(p.isClosed());
            assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.threadId() == workerId),
                    "the batch thread ended");
        }
    }

    private static void assertUntouched(MemorySegment out, String what) {
        for (long k = 0; k < out.byteSize(); k++) {
            assertEquals((byte) 0x5A, out.get(ValueLayout.JAVA_BYTE, k), what + ": a refused batch wrote its output");
        }
    }

    private static void assertSameRefusal(Predictor one, Predictor two, float[] rows, int m, String start, Arena arena) {
        IllegalArgumentException unsplit = assertThrows(IllegalArgumentException.class,
                () -> one.predict(rows, m, new float[m * OUT]));
        float[] untouched = new float[m * OUT];
        Arrays.fill(untouched, -7f);
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class, () -> two.predict(rows, m, untouched));
        assertTrue(split.getMessage().startsWith(start), split.getMessage());
        assertEquals(unsplit.getMessage(), split.getMessage());
        for (float v : untouched) {
            assertEquals(-7f, v, "a refused batch wrote its output");
        }
        MemorySegment shared = arena.allocate(4L * m * IN);
        MemorySegment.copy(rows, 0, shared, ValueLayout.JAVA_FLOAT, 0, rows.length);
        MemorySegment segOut = arena.allocate(4L * m * OUT);
        segOut.fill((byte) 0x5A);
        split = assertThrows(IllegalArgumentException.class, () -> two.predict(shared, m, segOut));
        assertEquals(unsplit.getMessage(), split.getMessage(), "segments");
        assertUntouched(segOut, "segments");
    }

    /** Request threads share one predictor: one holds the split at a time, the others run unsplit, all correct. */
    @Test
    void concurrentCallersEachGetTheirOwnRows() throws Exception {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 6, IN, 32, 16, OUT);
             Predictor one = Predictor.of(model, Normalization.none(IN));
             Predictor two = Predictor.of(model, Normalization.none(IN), threads(2))) {
            int callers = 4;
            int m = 160;
            float[][] rows = new float[callers][];
            float[][] expected = new float[callers][];
            for (int t = 0; t < callers; t++) {
                rows[t] = Nets.raw(10 + t, m * IN);
                expected[t] = new float[m * OUT];
                one.predict(rows[t], m, expected[t]);
            }
            CyclicBarrier start = new CyclicBarrier(callers);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                int caller = t;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        float[] out = new float[m * OUT];
                        for (int call = 0; call < 300; call++) {
                            Arrays.fill(out, Float.NaN);
                            two.predict(rows[caller], m, out);
                            assertClose(expected[caller], out, "caller " + caller + " call " + call);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
            assertTrue(two.batchSplit().splitCalls() > 0, "some calls were split");
        }
    }

    /** Once warm, a split call allocates nothing on the caller or on the batch threads. */
    @Test
    void steadySplitCallsAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 7, IN, 64, 32, OUT);
             Predictor p = Predictor.of(model, Nets.perFeature(IN, 1), threads(2))) {
            int m = 256;
            float[] rows = Nets.raw(8, m * IN);
            float[] out = new float[m * OUT];
            MemorySegment segRows = arena.allocate(4L * m * IN);
            MemorySegment.copy(rows, 0, segRows, ValueLayout.JAVA_FLOAT, 0, rows.length);
            MemorySegment segOut = arena.allocate(4L * m * OUT);
            long[] ids = new long[2];
            ids[0] = Thread.currentThread().threadId();
            ids[1] = p.batchSplit().workerIds()[0];
            Runnable[] calls = {() -> p.predict(rows, m, out), () -> p.predict(segRows, m, segOut)};
            for (Runnable call : calls) {
                for (int k = 0; k < 6_000; k++) {
                    call.run();
                }
                long allocated = Long.MAX_VALUE;
                for (int round = 0; round < 20 && allocated != 0; round++) {
                    long before = mx.getThreadAllocatedBytes(ids[0]) + mx.getThreadAllocatedBytes(ids[1]);
                    for (int k = 0; k < 2_000; k++) {
                        call.run();
                    }
                    allocated = Math.min(allocated,
                            mx.getThreadAllocatedBytes(ids[0]) + mx.getThreadAllocatedBytes(ids[1]) - before);
                }
                assertEquals(0, allocated, "bytes over 2,000 split calls (caller and batch thread)");
            }
            assertTrue(p.batchSplit().splitCalls() >= 16_000, "the calls were split: " + p.batchSplit().splitCalls());
        }
    }

    /** warmUp() runs the split path too, so a service's first large batches meet compiled code. */
    @Test
    void warmUpRunsTheSplit() {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor p = Predictor.of(model, Normalization.none(IN), threads(3))) {
            p.warmUp();
            assertEquals(WarmUp.BATCHES, p.batchSplit().splitCalls(), "batches of 3 × 64 rows, split");
        }
    }

    /** Close stops the batch threads; counts outside 1..MAX are refused. */
    @Test
    void closeStopsTheBatchThreadsAndCountsAreChecked() throws Exception {
        Thread worker;
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor p = Predictor.of(model, Normalization.none(IN), threads(3))) {
            long id = p.batchSplit().workerIds()[1];
            worker = Thread.getAllStackTraces().keySet().stream().filter(t -> t.threadId() == id).findFirst()
                    .orElseThrow();
            assertEquals("gatun-batch-2", worker.getName());
            assertTrue(worker.isDaemon(), "a service's exit never waits for it");
        }
        worker.join(5_000);
        assertFalse(worker.isAlive(), "the predictor's close stopped its batch threads");
        for (int bad : new int[]{0, -1, Predictor.Options.MAX_BATCH_THREADS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Predictor.Options.defaults().withBatchThreads(bad));
            assertTrue(e.getMessage().contains("batch threads, got " + bad), e.getMessage());
        }
        assertEquals(1, Predictor.Options.defaults().batchThreads(), "none unless asked for");
    }
}

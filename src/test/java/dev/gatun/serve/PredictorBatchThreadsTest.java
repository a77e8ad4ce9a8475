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

    /** Every loss, an odd row count too (shares of 131 and 132 rows, and 87, 88 and 88): the naive double pass agrees. */
    @ParameterizedTest
    @EnumSource(Loss.class)
    void sharesGiveTheUnsplitResults(Loss loss) {
        Normalization norm = Nets.perFeature(IN, 2);
        try (Arena arena = Arena.ofShared(); Model model = Nets.mixed(arena, IN, loss, OUT);
             Predictor one = Predictor.of(model, norm);
             Predictor two = Predictor.of(model, norm, threads(2));
             Predictor three = Predictor.of(model, norm, threads(3))) {
            for (int m : new int[]{263, 200}) {
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

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int k = 0; k < expected.length; k++) {
            // Not bit for bit: a share's softmax shifts a block of its own rows by their largest logit, so a
            // probability moves by about the rounding of a logit near that largest one (2.5e-6 seen at 0.85).
            assertEquals(expected[k], actual[k], 1e-5f * Math.max(1f, Math.abs(expected[k])), what + " value " + k);
        }
    }

    /** Too few rows per share, or a BLAS with threads of its own: the call runs on the caller, unsplit. */
    @Test
    void smallBatchesAndAThreadedBlasAreNotSplit() {
        try (Arena arena = Arena.ofShared(); Model model = Nets.mlp(arena, 5, IN, 16, OUT);
             Predictor p = Predictor.of(model, Normalization.none(IN), threads(2))) {
            int small = 2 * BatchSplit.MIN_ROWS_PER_SHARE - 1;
            p.predict(Nets.raw(1, small * IN), small, new float[small * OUT]);
            assertEquals(0, p.batchSplit().splitCalls(), "a batch of " + small + " rows");
            int m = 2 * BatchSplit.MIN_ROWS_PER_SHARE;
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
        split = assertThrows(IllegalArgumentException.class, () -> two.predict(shared, m, arena.allocate(4L * m * OUT)));
        assertEquals(unsplit.getMessage(), split.getMessage(), "segments");
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

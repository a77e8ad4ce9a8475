package dev.gatun.serve;

import dev.gatun.ChildJvm;
import dev.gatun.kernels.OtherSpecies;
import dev.gatun.kernels.Vectorization;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Steady-state calls allocate nothing on the Java heap (measured per thread; this class runs in its own JVM). */
class PredictorAllocationTest {
    private static final int IN = 64;
    private static final int OUT = 10;
    /** Hidden widths that take every path of the row kernel: a group of eight panels plus one, a group of four. */
    private static final int HIDDEN1 = 9 * RowPanels.PANEL;
    private static final int HIDDEN2 = 4 * RowPanels.PANEL;
    private static final String BATCH_BLAS = "predict batch 32 (BLAS)";
    private static final String BATCH_BLAS_SEGMENTS = "predict batch 32 (BLAS, segments)";
    /** More sizes in turn than a context's most-recent views hold: each size keeps its views once made. */
    private static final String BATCH_BLAS_SIZES = "predict batches of 8 to 19 rows in turn (BLAS)";
    /** Calls per round: fewer for the batch of 32, which costs more per call. */
    private static final int CALLS = 10_000;
    private static final int BATCH_CALLS = 2_000;

    @ParameterizedTest
    @EnumSource(RowWeights.class)
    void steadyStateCallsAllocateNothing(RowWeights rowWeights) {
        steadyStateAllocations(rowWeights).forEach(PredictorAllocationTest::assertNothingPerCall);
    }

    /**
     * The same in a service that also runs vector code of its own on other species, in a child with the launcher's
     * JIT flags (as {@code gatun benchmark} runs): the Vector API's methods then carry type profiles with classes
     * Gatun's kernels never use, and a kernel that relied on them would box its vectors on every call
     * (KernelAllocationTest has the training side).
     */
    @ParameterizedTest
    @EnumSource(RowWeights.class)
    void steadyStateCallsAllocateNothingAfterOtherSpeciesRan(RowWeights rowWeights, @TempDir Path dir)
            throws Exception {
        List<String> flags = new java.util.ArrayList<>(List.of("--add-modules=jdk.incubator.vector"));
        flags.addAll(ChildJvm.launcherJitFlags());
        ChildJvm.Result result = ChildJvm.run(dir, flags, Probe.class, List.of(rowWeights.name()));
        assertEquals(0, result.exit(), result.toString());
        int lines = 0;
        for (String line : result.stdout().strip().split("\n")) {
            int tab = line.indexOf('\t');
            assertTrue(tab > 0, result.toString());
            assertNothingPerCall(line.substring(0, tab), Long.parseLong(line.substring(tab + 1).strip()));
            lines++;
        }
        assertEquals(9, lines, result.toString());
    }

    /** Prints each call's bytes in its best round, tab-separated, after {@link OtherSpecies#run}. */
    public static final class Probe {
        public static void main(String[] args) {
            if (!Vectorization.enabled()) {
                // The scalar twins allocate nothing either: a child that fell back to them would pass for nothing.
                System.out.println("kernels: scalar");
                return;
            }
            double other = OtherSpecies.run(2_000);
            steadyStateAllocations(RowWeights.valueOf(args[0]))
                    .forEach((name, bytes) -> System.out.println(name + "\t" + bytes));
            if (other == 42) {
                System.err.println("(keeps the checksum alive)");
            }
        }
    }

    private static boolean isBlas(String name) {
        return name.equals(BATCH_BLAS) || name.equals(BATCH_BLAS_SEGMENTS) || name.equals(BATCH_BLAS_SIZES);
    }

    private static void assertNothingPerCall(String name, long bytes) {
        // Zero for the sgemm batch path too: any bytes per call there are a vector or mask boxed in the path's C2
        // code, which rounds of a steady state would show every time.
        assertEquals(0, bytes, name + ": bytes allocated over " + (isBlas(name) ? BATCH_CALLS : CALLS)
                + " steady-state calls");
    }

    /**
     * The calls a service makes, each warmed up and then measured in rounds of steady-state calls: the bytes its best
     * round (of up to 20) allocated. Until C2 compiles the Vector API loops they box; a real per-call allocation shows
     * in every round, so one clean round proves there is none.
     */
    static Map<String, Long> steadyStateAllocations(RowWeights rowWeights) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        Map<String, Long> bytes = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 3, IN, HIDDEN1, HIDDEN2, OUT);
             Predictor p = Predictor.of(model, Nets.perFeature(IN, 1), Predictor.Options.defaults().withRowWeights(rowWeights))) {
            float[] x = Nets.raw(1, IN);
            float[] out = new float[OUT];
            MemorySegment segIn = arena.allocate(4L * IN);
            MemorySegment segOut = arena.allocate(4L * OUT);
            MemorySegment.copy(x, 0, segIn, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, IN);
            int m = 32;
            float[] rows = new float[m * IN];
            for (int r = 0; r < m; r++) {
                System.arraycopy(x, 0, rows, r * IN, IN);
            }
            float[] batchOut = new float[m * OUT];
            float[] smallRows = new float[3 * IN];
            float[] smallOut = new float[3 * OUT];
            MemorySegment segRows = arena.allocate(4L * m * IN);
            MemorySegment.copy(rows, 0, segRows, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, m * IN);
            MemorySegment segBatchOut = arena.allocate(4L * m * OUT);
            MemorySegment segSmallRows = segRows.asSlice(0, 4L * 3 * IN);
            MemorySegment segSmallOut = arena.allocate(4L * 3 * OUT);
            int sizes = 12;   // three times BATCH_SIZES
            float[][] sizedRows = new float[sizes][];
            float[][] sizedOut = new float[sizes][];
            for (int k = 0; k < sizes; k++) {
                sizedRows[k] = java.util.Arrays.copyOf(rows, (Predictor.BLAS_MIN_ROWS + k) * IN);
                sizedOut[k] = new float[(Predictor.BLAS_MIN_ROWS + k) * OUT];
            }
            int[] turn = {0};
            Runnable[] calls = {
                () -> p.predict(x, out),
                () -> p.predict(segIn, segOut),
                () -> p.classify(x),
                () -> p.classify(x, out),
                () -> p.predict(rows, m, batchOut),
                () -> p.predict(smallRows, 3, smallOut),
                () -> p.predict(segRows, m, segBatchOut),
                () -> p.predict(segSmallRows, 3, segSmallOut),
                () -> {
                    int k = turn[0]++ % sizes;
                    p.predict(sizedRows[k], Predictor.BLAS_MIN_ROWS + k, sizedOut[k]);
                },
            };
            String[] names = {"predict(float[])", "predict(segment)", "classify", "classify(in, out)", BATCH_BLAS,
                "predict batch 3 (rows)", BATCH_BLAS_SEGMENTS, "predict batch 3 (segments)", BATCH_BLAS_SIZES};
            for (int c = 0; c < calls.length; c++) {
                int n = isBlas(names[c]) ? BATCH_CALLS : CALLS;
                for (int k = 0; k < 3 * n; k++) {
                    calls[c].run();
                }
                long allocated = Long.MAX_VALUE;
                for (int round = 0; round < 20 && allocated != 0; round++) {
                    long before = threads.getThreadAllocatedBytes(self);
                    for (int k = 0; k < n; k++) {
                        calls[c].run();
                    }
                    allocated = Math.min(allocated, threads.getThreadAllocatedBytes(self) - before);
                }
                bytes.put(names[c], allocated);
            }
        }
        return bytes;
    }
}

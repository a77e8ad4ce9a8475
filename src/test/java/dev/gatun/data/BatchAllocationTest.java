package dev.gatun.data;

import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Regularization;
import dev.gatun.nn.Targets;
import dev.gatun.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state batch assembly allocates nothing on the Java heap: after a warm-up (the Vector API's objects only
 * vanish once C2 has compiled the kernels), a thousand batches allocate less than one byte per batch. The smallest
 * heap object is 16 bytes, so that bound means no batch allocates anything; it leaves room for the odd one-time
 * JIT event (a deoptimisation, a late compilation) that would make an exact zero flaky.
 */
class BatchAllocationTest {
    private static final int WARM_UP = 4000;
    private static final int MEASURED = 1000;

    @TempDir
    Path dir;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static void assertNoneAllocated(long bytes, String who) {
        assertTrue(bytes < MEASURED, who + " allocated " + bytes + " bytes over " + MEASURED + " batches");
    }

    private static long drain(Batches batches, int count) {
        long checksum = 0;
        for (int k = 0; k < count; k++) {
            Batch batch = batches.next();
            checksum += batch.size() + batch.label(0);
        }
        return checksum;
    }

    private long allocatedWhileDraining(Batches batches) {
        drain(batches, WARM_UP);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        long checksum = drain(batches, MEASURED);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(checksum > 0);
        return allocated;
    }

    @Test
    void shuffledBatchesAllocateNothing() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 28, 28, IdxTestFiles.cyclicLabels(300, 10), 10);
             Batches batches = Batches.over(s.data(), 32).seed(1).build()) {
            assertNoneAllocated(allocatedWhileDraining(batches), "batch assembly");
        }
    }

    @Test
    void augmentedBatchesAllocateNothing() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 28, 28, IdxTestFiles.cyclicLabels(300, 10), 10);
             Batches batches = Batches.over(s.data(), 32).seed(1).augmentation(Augmentation.flipAndShift()).build()) {
            assertNoneAllocated(allocatedWhileDraining(batches), "batch assembly");
        }
    }

    @Test
    void prefetchedBatchesAllocateNothingOnEitherThread() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 28, 28, IdxTestFiles.cyclicLabels(300, 10), 10);
             Batches batches = Batches.over(s.data(), 32).seed(1).prefetch(true).build()) {
            drain(batches, WARM_UP);
            Thread producer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("gatun-batch-prefetch")).findFirst().orElseThrow();
            // Two threads give a late compilation twice the chances to land in a window: the fewest of up to five
            // windows counts. An allocation per batch shows in every one.
            long consumer = Long.MAX_VALUE;
            long produced = Long.MAX_VALUE;
            for (int round = 0; round < 5 && (consumer >= MEASURED || produced >= MEASURED); round++) {
                long producerBefore = THREADS.getThreadAllocatedBytes(producer.threadId());
                long before = THREADS.getCurrentThreadAllocatedBytes();
                drain(batches, MEASURED);
                consumer = Math.min(consumer, THREADS.getCurrentThreadAllocatedBytes() - before);
                produced = Math.min(produced, THREADS.getThreadAllocatedBytes(producer.threadId()) - producerBefore);
            }
            assertNoneAllocated(consumer, "the consumer");
            assertNoneAllocated(produced, "the prefetch thread");
        }
    }

    @Test
    void handingOutTargetsAllocatesNothing() throws IOException {
        try (var s = IdxTestFiles.synthetic(dir, 28, 28, IdxTestFiles.cyclicLabels(300, 10), 10);
             Arena arena = Arena.ofConfined();
             Model softmax = model(arena, Loss.SOFTMAX_CROSS_ENTROPY);
             Model sigmoids = model(arena, Loss.BINARY_CROSS_ENTROPY);
             Batches batches = Batches.over(s.data(), 32).seed(1).build()) {
            drainTargets(batches, softmax, sigmoids, WARM_UP);
            // A real per-batch allocation shows in every round; a late JIT event only in one. So one clean round of
            // up to five proves there is none (the CI machine once saw 1,160 bytes in a single round).
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 5 && allocated >= MEASURED; round++) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                long checksum = drainTargets(batches, softmax, sigmoids, MEASURED);
                allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertTrue(checksum > 0);
            }
            assertNoneAllocated(allocated, "handing out targets");
        }
    }

    private static Model model(Arena arena, Loss loss) {
        return Model.build(new ModelSpec(784, List.of(), 10, loss, Init.HE, Regularization.NONE, 1), DType.F32, arena);
    }

    private static long drainTargets(Batches batches, Model softmax, Model sigmoids, int count) {
        long checksum = 0;
        for (int k = 0; k < count; k++) {
            Batch batch = batches.next();
            Targets labels = batch.targetsFor(softmax);
            Targets oneHot = batch.targetsFor(sigmoids);
            checksum += ((Targets.Labels) labels).get(0) + 1 + (oneHot instanceof Targets.Dense ? 1 : 0);
        }
        return checksum;
    }
}

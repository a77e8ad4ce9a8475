package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

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
            long producerBefore = THREADS.getThreadAllocatedBytes(producer.threadId());
            long before = THREADS.getCurrentThreadAllocatedBytes();
            drain(batches, MEASURED);
            long consumer = THREADS.getCurrentThreadAllocatedBytes() - before;
            long produced = THREADS.getThreadAllocatedBytes(producer.threadId()) - producerBefore;
            assertNoneAllocated(consumer, "the consumer");
            assertNoneAllocated(produced, "the prefetch thread");
        }
    }
}

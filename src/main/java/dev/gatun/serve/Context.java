package dev.gatun.serve;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The scratch memory of one in-flight call: the normalised input, each stage's activations and the output for the
 * row kernel (heap arrays: they never leave this context), plus off-heap batch buffers for the BLAS path, cached
 * for the {@value #BATCH_SIZES} most recent batch sizes. Used by one thread at a time (the predictor's slot
 * protocol guarantees it); never shared.
 */
final class Context {
    static final int BATCH_SIZES = 4;

    final float[] x;
    /** The row kernel's scratch for the indices of a stage's non-zero inputs (as many as the widest input). */
    final int[] nonzero;
    final float[][] a;
    final float[] out;
    /** A small batch's outputs, row after row, until every row has passed its checks and they go to the caller's out. */
    final float[] staged;
    /**
     * Which way the next row on this context reads each stage's panels; flipped per row. Weights slightly larger
     * than the core's L2 read in one direction every time evict themselves in full (the L2 keeps what was read last,
     * and the next row wants what was read first); read back and forth, each row starts on what the last one left
     * in the cache. That holds while a thread keeps its context and its core, as a thread calling again usually does
     * (the pool starts each thread at its own slot); otherwise the order is merely arbitrary, and the bits the same.
     */
    boolean descending;
    private final List<Stage> stages;
    /** Most recently used first; null where no size was seen yet. */
    private final SizeBuffers[] batches = new SizeBuffers[BATCH_SIZES];

    Context(List<Stage> stages) {
        this.stages = stages;
        this.x = new float[stages.getFirst().inputs()];
        this.nonzero = new int[stages.stream().mapToInt(Stage::inputs).max().orElseThrow()];
        this.a = new float[stages.size()][];
        for (int s = 0; s < a.length; s++) {
            a[s] = new float[RowPanels.padded(stages.get(s).outputs())];
        }
        this.out = new float[stages.getLast().outputs()];
        this.staged = new float[(Predictor.BLAS_MIN_ROWS - 1) * out.length];
    }

    /** Off-heap buffers for m rows: X, each stage's A, and the output P. */
    static final class SizeBuffers {
        final int m;
        final Arena arena = Arena.ofShared();
        final Tensor X;
        final Tensor[] A;
        final Tensor P;

        SizeBuffers(List<Stage> stages, int m) {
            this.m = m;
            try {
                this.X = Tensor.allocate(arena, DType.F32, m, stages.getFirst().inputs());
                this.A = new Tensor[stages.size()];
                for (int s = 0; s < A.length; s++) {
                    A[s] = Tensor.allocate(arena, DType.F32, m, stages.get(s).outputs());
                }
                this.P = Tensor.allocate(arena, DType.F32, m, stages.getLast().outputs());
            } catch (RuntimeException | Error e) {
                arena.close();   // a batch too large for memory: free what was allocated before it failed
                throw e;
            }
        }

        long bytes() {
            long bytes = X.byteSize() + P.byteSize();
            for (Tensor t : A) {
                bytes += t.byteSize();
            }
            return bytes;
        }
    }

    /**
     * The buffers for m rows, allocating them the first time m is seen; {@code nativeBytes} receives the change in
     * off-heap bytes (a new batch's size, minus an evicted one's).
     */
    SizeBuffers batch(int m, java.util.concurrent.atomic.AtomicLong nativeBytes) {
        if (batches[0] != null && batches[0].m == m) {
            return batches[0];
        }
        int found = BATCH_SIZES - 1;
        for (int i = 1; i < BATCH_SIZES; i++) {
            if (batches[i] != null && batches[i].m == m) {
                found = i;
                break;
            }
        }
        SizeBuffers hit = batches[found];
        if (hit == null || hit.m != m) {
            // Allocated before the evicted size is freed: a batch too large for memory fails its own call and leaves
            // this context as it was (freeing first left a closed size in place, and every later call failed).
            SizeBuffers fresh = new SizeBuffers(stages, m);
            nativeBytes.addAndGet(fresh.bytes());
            if (hit != null) {
                nativeBytes.addAndGet(-hit.bytes());
                hit.arena.close();
            }
            hit = fresh;
        }
        System.arraycopy(batches, 0, batches, 1, found);
        batches[0] = hit;
        return hit;
    }

    void close() {
        for (int i = 0; i < BATCH_SIZES; i++) {
            if (batches[i] != null) {
                batches[i].arena.close();
                batches[i] = null;
            }
        }
    }
}

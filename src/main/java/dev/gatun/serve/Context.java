package dev.gatun.serve;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The scratch memory of one in-flight call: the normalised input, each stage's activations and the output for the
 * row kernel (heap arrays: they never leave this context), plus off-heap buffers for the BLAS path, sized for the
 * largest batch this context has run and viewed at each batch size (a view, a few hundred bytes of heap, is kept for
 * every size up to {@value #KEPT_SIZES} rows once used, and one more per batch thread once the size is split; of
 * larger sizes, the {@value #BATCH_SIZES} most recent). Used
 * by one thread at a time (the predictor's slot protocol guarantees it); never shared.
 *
 * <p>One buffer that grows, not one per size: buffers per size would keep several batches' memory per slot until the
 * predictor closes, and rotating through more sizes than the cache holds would allocate, zero and free native memory
 * on every call (closing a shared arena stops every thread of the JVM for a moment).
 */
final class Context {
    static final int BATCH_SIZES = 4;
    /**
     * Batch sizes up to this many rows keep their views for good: a service batching whatever requests arrived
     * together sees many sizes in turn, and rebuilding a size's views on each call (about twenty objects) broke the
     * promise that steady-state calls allocate nothing. An array of this many references per context is the cost.
     */
    static final int KEPT_SIZES = 4096;

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
    /** The off-heap buffers, for {@link Buffers#rows} rows; null until the first batch. */
    private Buffers buffers;
    /** Views of {@link #buffers} at sizes up to {@link #KEPT_SIZES}, by size; sized to the buffers, null before. */
    private SizeBuffers[] bySize;
    /** Views of {@link #buffers} at recent larger sizes, most recently used first; null where none was made yet. */
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

    /** Off-heap buffers for up to {@code rows} rows: X, each stage's A, and the output P, in an arena of their own. */
    private static final class Buffers {
        final int rows;
        final Arena arena = Arena.ofShared();
        final Tensor X;
        final Tensor[] A;
        final Tensor P;

        Buffers(List<Stage> stages, int rows) {
            this.rows = rows;
            try {
                this.X = Tensor.allocate(arena, DType.F32, rows, stages.getFirst().inputs());
                this.A = new Tensor[stages.size()];
                for (int s = 0; s < A.length; s++) {
                    A[s] = Tensor.allocate(arena, DType.F32, rows, stages.get(s).outputs());
                }
                this.P = Tensor.allocate(arena, DType.F32, rows, stages.getLast().outputs());
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

    /** The buffers seen as m rows: X, each stage's A, and the output P. */
    static final class SizeBuffers {
        final int m;
        final Tensor X;
        final Tensor[] A;
        final Tensor P;
        /** These rows cut into {@code shares.length} consecutive ranges ({@link #shares}); null until first asked. */
        private SizeBuffers[] shares;
        /** Where this view's rows start in the batch it is a share of (0 for a whole batch). */
        final int from;

        private SizeBuffers(Buffers buffers, int m) {
            this(buffers.X, buffers.A, buffers.P, 0, m);
        }

        private SizeBuffers(Tensor X, Tensor[] A, Tensor P, int from, int to) {
            this.m = to - from;
            this.from = from;
            this.X = X.rowSlice(from, to);
            this.A = new Tensor[A.length];
            for (int s = 0; s < A.length; s++) {
                this.A[s] = A[s].rowSlice(from, to);
            }
            this.P = P.rowSlice(from, to);
        }

        /**
         * The m rows as {@code count} consecutive shares of m·k/count to m·(k+1)/count rows, each a view of the same
         * buffers; made on the first call for a count and kept (a batch size keeps one split).
         */
        SizeBuffers[] shares(int count) {
            if (shares == null || shares.length != count) {
                SizeBuffers[] made = new SizeBuffers[count];
                for (int k = 0; k < count; k++) {
                    made[k] = new SizeBuffers(X, A, P, (int) ((long) m * k / count), (int) ((long) m * (k + 1) / count));
                }
                shares = made;
            }
            return shares;
        }
    }

    /**
     * The buffers as m rows. Native memory is allocated only when m is larger than any batch before (half as large
     * again, so that batches growing a row at a time do not allocate each time); {@code nativeBytes} receives the
     * change in off-heap bytes.
     */
    SizeBuffers batch(int m, java.util.concurrent.atomic.AtomicLong nativeBytes) {
        if (bySize != null && m < bySize.length) {
            SizeBuffers kept = bySize[m];
            if (kept == null) {
                kept = new SizeBuffers(buffers, m);
                bySize[m] = kept;
            }
            return kept;
        }
        if (batches[0] != null && batches[0].m == m) {
            return batches[0];
        }
        if (buffers == null || buffers.rows < m) {
            int rows = buffers == null ? m : (int) Math.max(m, Math.min(Integer.MAX_VALUE, buffers.rows * 3L / 2));
            // Allocated before the old buffers are freed: a batch too large for memory fails its own call and leaves
            // this context as it was. Growing by half, not to exactly m, can only fail where m alone would not if
            // memory is nearly full: then exactly m is tried.
            Buffers grown;
            try {
                grown = new Buffers(stages, rows);
            } catch (OutOfMemoryError e) {
                if (rows == m) {
                    throw e;
                }
                grown = new Buffers(stages, m);
            }
            nativeBytes.addAndGet(grown.bytes());
            if (buffers != null) {
                nativeBytes.addAndGet(-buffers.bytes());
                buffers.arena.close();
            }
            buffers = grown;
            java.util.Arrays.fill(batches, null);   // views of the freed buffers
            bySize = new SizeBuffers[Math.min(grown.rows, KEPT_SIZES) + 1];
            if (m < bySize.length) {
                return batch(m, nativeBytes);
            }
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
            hit = new SizeBuffers(buffers, m);
        }
        System.arraycopy(batches, 0, batches, 1, found);
        batches[0] = hit;
        return hit;
    }

    void close() {
        if (buffers != null) {
            buffers.arena.close();
            buffers = null;
        }
        java.util.Arrays.fill(batches, null);
        bySize = null;
    }
}

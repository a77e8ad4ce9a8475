package dev.gatun.nn;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The batch-sized memory of one thread's passes through a {@link Model}: every layer's outputs and gradients,
 * the loss gradient and the output probabilities. Buffers for a batch size are allocated the first time that
 * size is seen and reused afterwards, so passes allocate nothing in steady state (a training run sees two
 * sizes: the batch and the last, smaller one). Each size has its own arena; past {@value #MAX_BATCH_SIZES}
 * sizes the least recently used one is freed, which invalidates tensors an earlier call returned for it.
 *
 * <p>A workspace for batches of up to a fixed number of rows ({@link Model#newWorkspace(int)}) instead keeps one
 * block, allocated for that many rows, and serves every smaller size from it: a data-parallel replica's share of
 * a batch changes size from step to step, and this way no step allocates off-heap memory once a size has been
 * seen (its views are made once). There, a pass's tensors stay valid only until the next pass of any size.
 *
 * <p>A workspace is not thread-safe: give each thread its own ({@link Model#newWorkspace()}). Tensors returned
 * from a pass stay valid until the next pass with the same batch size.
 */
public final class Workspace implements AutoCloseable {
    static final int MAX_BATCH_SIZES = 8;
    /** The most rows a one-block workspace serves ({@link Model#newWorkspace(int)}): its slots are one Java array. */
    static final int MAX_BLOCK_ROWS = Integer.MAX_VALUE - 8;
    /** How long close() waits for a native call on another thread to let go of this workspace's memory. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Model model;
    /** Most recently used first. */
    private final List<SizeBuffers> sizes = new ArrayList<>(MAX_BATCH_SIZES + 1);
    /** For a workspace of at most {@code byRows.length − 1} rows: each size's views, index m; else null. */
    private final SizeBuffers[] byRows;
    private final ReplayArena.Recording block;
    private boolean closed;

    Workspace(Model model) {
        this.model = model;
        this.byRows = null;
        this.block = null;
    }

    Workspace(Model model, int maxRows) {
        if (maxRows < 1 || maxRows > MAX_BLOCK_ROWS) {
            // Each row count up to maxRows has a slot in one array, whose size maxRows + 1 must not overflow.
            throw new IllegalArgumentException("a workspace of one block holds batches of 1 to " + MAX_BLOCK_ROWS
                    + " rows, asked for " + maxRows);
        }
        this.model = model;
        this.byRows = new SizeBuffers[maxRows + 1];
        this.block = new ReplayArena.Recording();
        try {
            byRows[maxRows] = new SizeBuffers(model, maxRows, block);
        } catch (RuntimeException | Error e) {
            block.close();   // the buffers made before the failure, which no one could free otherwise
            throw e;
        }
    }

    /** Whether {@code m} made this workspace: its buffers hold that model's layers, and no other's. */
    boolean belongsTo(Model m) {
        return model == m;
    }

    // Synchronized with close(): a model closed by another thread during a pass (a misuse, but one a service's
    // shutdown can make) must not see this pass add buffers after close() has freed the others, to be freed by no one.
    // The pass itself then fails on the closed memory with an exception. Uncontended, the lock costs no allocation.
    synchronized SizeBuffers forSize(long m) {
        if (closed) {
            throw new IllegalStateException("workspace is closed");
        }
        if (byRows != null) {
            return fromBlock(m);
        }
        if (!sizes.isEmpty() && sizes.getFirst().m == m) {
            return sizes.getFirst();
        }
        for (int i = 1; i < sizes.size(); i++) {
            if (sizes.get(i).m == m) {
                SizeBuffers found = sizes.remove(i);
                sizes.addFirst(found);
                return found;
            }
        }
        // A batch too large for memory fails part-way through its buffers: the arena holding the ones made so far is
        // freed, or they stayed allocated for the JVM's life.
        Arena arena = Arena.ofShared();
        SizeBuffers created;
        try {
            created = new SizeBuffers(model, m, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        sizes.addFirst(created);
        if (sizes.size() > MAX_BATCH_SIZES) {
            sizes.removeLast().arena.close();
        }
        return created;
    }

    /** Batch sizes this workspace holds buffers (an arena each) for: none once closed. */
    synchronized int heldSizes() {
        return sizes.size();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private SizeBuffers fromBlock(long m) {
        if (m < 1 || m >= byRows.length) {
            throw new IllegalArgumentException("a batch of " + m + " rows: this workspace holds 1 to "
                    + (byRows.length - 1) + " rows");
        }
        SizeBuffers found = byRows[(int) m];
        if (found == null) {
            found = new SizeBuffers(model, m, new ReplayArena(block));
            byRows[(int) m] = found;
        }
        return found;
    }

    /**
     * Frees every buffer. A pass running on another thread (closing its model under it is a misuse, but a service's
     * shutdown can do it) may be inside a native call on this memory, which holds it until the call returns: close
     * waits for that, up to {@value #CLOSE_WAIT_SECONDS} s, and the pass then fails on the freed memory with an
     * exception. Memory still held after that stays with the workspace, and a later close frees it.
     */
    @Override
    public synchronized void close() {
        closed = true;
        IllegalStateException held = null;
        for (Iterator<SizeBuffers> i = sizes.iterator(); i.hasNext(); ) {
            try {
                closeOnceReleased(i.next().arena);
                i.remove();
            } catch (IllegalStateException e) {
                held = e;
            }
        }
        if (block != null) {
            try {
                closeOnceReleased(block);
            } catch (IllegalStateException e) {
                held = e;
            }
        }
        if (held != null) {
            throw new IllegalStateException("a workspace's memory was still held by a native call on another thread "
                    + CLOSE_WAIT_SECONDS + " s after close: close the model again once its passes have returned", held);
        }
        model.release(this);
    }

    /** Closes a shared arena, waiting while a native call holds it (closing it then throws); already closed: nothing. */
    private static void closeOnceReleased(Arena arena) {
        long deadline = System.nanoTime() + CLOSE_WAIT_SECONDS * 1_000_000_000L;
        while (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException heldByACall) {
                if (System.nanoTime() - deadline > 0) {
                    throw heldByACall;
                }
                Thread.yield();
            }
        }
    }

    /** One batch size's buffers: a bound workspace per layer, the inputs each layer saw, the loss buffers. */
    static final class SizeBuffers {
        final long m;
        final Arena arena;
        final Bound<?>[] layers;
        final Tensor[] inputs;
        final Tensor dZ;
        final Tensor yhat;
        final Tensor targets;

        SizeBuffers(Model model, long m, Arena arena) {
            this.m = m;
            this.arena = arena;
            DType dtype = model.dtype();
            List<Layer<?>> stack = model.layers();
            this.layers = new Bound<?>[stack.size()];
            for (int l = 0; l < layers.length; l++) {
                layers[l] = bind(stack.get(l), arena, dtype, m, l > 0);
            }
            this.inputs = new Tensor[layers.length];
            long outputs = model.outputs();
            this.dZ = Tensor.allocate(arena, dtype, m, outputs);
            this.yhat = Tensor.allocate(arena, dtype, m, outputs);
            this.targets = Tensor.allocate(arena, dtype, m, outputs);
        }

        private static <W> Bound<W> bind(Layer<W> layer, Arena arena, DType dtype, long m, boolean inputGradient) {
            return new Bound<>(layer, layer.workspace(arena, dtype, m, inputGradient));
        }
    }

    /** A layer with its buffers for one batch size; keeps the workspace's type without casts. */
    record Bound<W>(Layer<W> layer, W buffers) {
        Tensor forward(Tensor in, Mode mode, long step) {
            return layer.forward(buffers, in, mode, step);
        }

        Tensor backward(Tensor in, Tensor dOut) {
            return layer.backward(buffers, in, dOut);
        }

        void afterStep() {
            layer.afterStep(buffers);
        }

        /** TRAIN forward of a pass over one replica's part of a shared batch (see {@link Model}). */
        Tensor forwardShared(Tensor in, long step, SharedBatch batch) {
            return switch (layer) {
                case BatchNorm norm -> norm.forwardShared((BatchNorm.Buffers) buffers, in, batch);
                case Dropout dropout -> dropout.forwardShared((Dropout.Buffers) buffers, in, step, batch);
                default -> layer.forward(buffers, in, Mode.TRAIN, step);
            };
        }

        Tensor backwardShared(Tensor in, Tensor dOut, SharedBatch batch) {
            return switch (layer) {
                case BatchNorm norm -> norm.backwardShared((BatchNorm.Buffers) buffers, in, dOut, batch);
                case Dense dense -> dense.backwardShared((Dense.Buffers) buffers, in, dOut, batch);
                default -> layer.backward(buffers, in, dOut);
            };
        }
    }
}

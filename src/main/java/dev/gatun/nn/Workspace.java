package dev.gatun.nn;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The batch-sized memory of one thread's passes through a {@link Model}: every layer's outputs and gradients,
 * the loss gradient and the output probabilities. Buffers for a batch size are allocated the first time that
 * size is seen and reused afterwards, so passes allocate nothing in steady state (a training run sees two
 * sizes: the batch and the last, smaller one). Each size has its own arena; past {@value #MAX_BATCH_SIZES}
 * sizes the least recently used one is freed, which invalidates tensors an earlier call returned for it.
 *
 * <p>A workspace is not thread-safe: give each thread its own ({@link Model#newWorkspace()}). Tensors returned
 * from a pass stay valid until the next pass with the same batch size.
 */
public final class Workspace implements AutoCloseable {
    static final int MAX_BATCH_SIZES = 8;

    private final Model model;
    /** Most recently used first. */
    private final List<SizeBuffers> sizes = new ArrayList<>(MAX_BATCH_SIZES + 1);
    private boolean closed;

    Workspace(Model model) {
        this.model = model;
    }

    SizeBuffers forSize(long m) {
        if (closed) {
            throw new IllegalStateException("workspace is closed");
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
        SizeBuffers created = new SizeBuffers(model, m);
        sizes.addFirst(created);
        if (sizes.size() > MAX_BATCH_SIZES) {
            sizes.removeLast().arena.close();
        }
        return created;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sizes.forEach(s -> s.arena.close());
            sizes.clear();
        }
    }

    /** One batch size's buffers: a bound workspace per layer, the inputs each layer saw, the loss buffers. */
    static final class SizeBuffers {
        final long m;
        final Arena arena = Arena.ofShared();
        final Bound<?>[] layers;
        final Tensor[] inputs;
        final Tensor dZ;
        final Tensor yhat;
        final Tensor targets;

        SizeBuffers(Model model, long m) {
            this.m = m;
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
    }
}

package dev.gatun.nn;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * One stage of a {@link Model}'s stack: forward from the previous stage's output, backward from the gradient of
 * its own output. A layer holds its parameters (in the model's caller-owned arena) but no batch-sized memory:
 * that lives in a workspace {@code W} it allocates once per batch size, so one layer can serve several
 * workspaces (a training step, and an inference thread each).
 *
 * @param <W> the layer's per-batch-size buffers
 */
public interface Layer<W> {
    /** A short name for messages: {@code dense2}, {@code batchnorm1}. */
    String name();

    long inputs();

    long outputs();

    /** What training updates by gradient; none for a layer without weights (dropout). */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** Tensors saved with the model that training does not update by gradient (batch-norm running statistics). */
    default List<NamedTensor> state() {
        return List.of();
    }

    /**
     * Allocates the buffers for batches of m rows in {@code arena}. {@code inputGradient}: whether
     * {@link #backward} must produce the gradient of its input (false for the first layer).
     */
    W workspace(Arena arena, DType dtype, long m, boolean inputGradient);

    /**
     * The layer's output for {@code in} (m × inputs), in the workspace (or {@code in} itself for a layer that does
     * nothing in this mode). {@code step} is the model's training-step counter, for layers whose randomness
     * follows it (dropout).
     */
    Tensor forward(W workspace, Tensor in, Mode mode, long step);

    /**
     * Writes the gradients of this layer's parameters for the TRAIN-mode forward just done and returns the
     * gradient of its input (null when {@code inputGradient} was false). {@code dOut} may be overwritten.
     */
    Tensor backward(W workspace, Tensor in, Tensor dOut);

    /** Called once per training step after backward (batch norm folds the batch into its running statistics). */
    default void afterStep(W workspace) {}
}

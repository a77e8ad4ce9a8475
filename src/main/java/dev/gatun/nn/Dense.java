package dev.gatun.nn;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.ReductionKernels;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * A fully connected layer with its activation fused in: {@code Z = A_prev·Wᵀ + b} (sgemm, then one kernel pass
 * that adds b and applies g), W {@code (n_out, n_in)}, b {@code (n_out)}. Backward (rows are samples):
 * {@code dZ = dA ⊙ g'(A)}, {@code dW = (1/m)·dZᵀ·A_prev}, {@code db = (1/m)·Σ_rows dZ}, {@code dA_prev = dZ·W}.
 * A layer followed by batch norm has no bias and no activation (batch norm applies both).
 */
public final class Dense implements Layer<Dense.Buffers> {
    /** Z, then A in place; and dA_prev when the layer below needs it. */
    public record Buffers(Tensor A, Tensor dIn) {}

    private final String name;
    private final Activation activation;
    private final Parameter W;
    private final Parameter b;
    private final List<Parameter> parameters;

    Dense(int index, long inputs, long outputs, Activation activation, boolean bias, Arena arena, DType dtype) {
        this.name = "dense" + index;
        this.activation = activation;
        this.W = new Parameter("W" + index, Tensor.allocate(arena, dtype, outputs, inputs),
                Tensor.allocate(arena, dtype, outputs, inputs), true);
        this.b = bias
                ? new Parameter("b" + index, Tensor.allocate(arena, dtype, outputs), Tensor.allocate(arena, dtype, outputs), false)
                : null;
        this.parameters = bias ? List.of(W, b) : List.of(W);
    }

    /**
     * A layer reading {@code shared}'s weights and bias (the same memory: it sees every update) with gradients of its
     * own, in {@code arena}: for a data-parallel replica in the same process ({@link Model#replicaSharingWeights}).
     */
    Dense(Dense shared, Arena arena) {
        this.name = shared.name;
        this.activation = shared.activation;
        this.W = withOwnGradient(shared.W, arena);
        this.b = shared.b == null ? null : withOwnGradient(shared.b, arena);
        this.parameters = b != null ? List.of(W, b) : List.of(W);
    }

    private static Parameter withOwnGradient(Parameter p, Arena arena) {
        return new Parameter(p.name(), p.value(), Tensor.allocate(arena, p.value().dtype(), p.value().shape()),
                p.regularized());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long inputs() {
        return W.value().dim(1);
    }

    @Override
    public long outputs() {
        return W.value().dim(0);
    }

    public Activation activation() {
        return activation;
    }

    public Parameter weights() {
        return W;
    }

    /** The bias, or null when batch norm follows. */
    public Parameter bias() {
        return b;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public Buffers workspace(Arena arena, DType dtype, long m, boolean inputGradient) {
        return new Buffers(Tensor.allocate(arena, dtype, m, outputs()),
                inputGradient ? Tensor.allocate(arena, dtype, m, inputs()) : null);
    }

    @Override
    public Tensor forward(Buffers ws, Tensor in, Mode mode, long step) {
        Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1.0, in, W.value(), 0.0, ws.A());
        if (b != null) {
            ActivationKernels.biasActivation(activation, ws.A(), b.value(), ws.A());
        } else if (activation != Activation.IDENTITY) {
            ActivationKernels.activate(activation, ws.A(), ws.A());
        }
        return ws.A();
    }

    @Override
    public Tensor backward(Buffers ws, Tensor in, Tensor dOut) {
        return backward(ws, in, dOut, 1.0 / in.rows());
    }

    /**
     * Backward over one replica's rows {@code in} of a batch split over replicas: dW and db are this replica's share
     * of the whole batch's mean gradient (its rows' sum over the batch's {@link SharedBatch#rows()}), so the
     * replicas' gradients add up to the batch's without weights.
     */
    Tensor backwardShared(Buffers ws, Tensor in, Tensor dOut, SharedBatch batch) {
        return backward(ws, in, dOut, 1.0 / batch.rows());
    }

    private Tensor backward(Buffers ws, Tensor in, Tensor dOut, double inverseM) {
        if (activation != Activation.IDENTITY) {
            ActivationKernels.activationBackward(activation, dOut, ws.A(), dOut);
        }
        Blas.gemm(Transpose.TRANSPOSED, Transpose.NONE, inverseM, dOut, in, 0.0, W.grad());
        if (b != null) {
            ReductionKernels.columnSums(dOut, inverseM, b.grad());
        }
        if (ws.dIn() == null) {
            return null;
        }
        Blas.gemm(Transpose.NONE, Transpose.NONE, 1.0, dOut, W.value(), 0.0, ws.dIn());
        return ws.dIn();
    }
}

package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.BatchNormKernels;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Batch norm on a dense layer's Z, with that layer's activation applied here: {@code A = g(γ·Ẑ + β)}
 * (formulas in {@link BatchNormKernels}). TRAIN normalises with the batch's mean and variance;
 * INFERENCE with the running averages, which each training step moves by
 * {@code running = 0.9·running + 0.1·batch} (an exponentially weighted average with β = 0.9; the variance is the biased one the
 * batch was normalised with). γ starts at 1, β at 0, the running mean at 0 and the running variance at 1.
 */
public final class BatchNorm implements Layer<BatchNorm.Buffers> {
    public static final double EPSILON = 1e-5;
    public static final double MOMENTUM = 0.9;

    /** Ẑ, A, and the per-column statistics the backward pass and the running averages need. */
    public record Buffers(Tensor Zhat, Tensor A, Tensor mean, Tensor var, Tensor invStd) {}

    private final String name;
    private final Activation activation;
    private final Parameter gamma;
    private final Parameter beta;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final List<Parameter> parameters;
    private final List<NamedTensor> state;
    /**
     * The per-feature values a pass over a {@link SharedBatch} sums with the other replicas: the first half carries
     * the mean's or dγ's shares, the second the variance's or dβ's. Not batch-sized, so it lives with the layer.
     */
    private final Tensor exchange;
    private final Tensor exchangeFirst;
    private final Tensor exchangeSecond;

    BatchNorm(int index, long units, Activation activation, Arena arena, DType dtype) {
        this.name = "batchnorm" + index;
        this.activation = activation;
        this.gamma = new Parameter("gamma" + index, Tensor.allocate(arena, dtype, units).fill(1.0),
                Tensor.allocate(arena, dtype, units), false);
        this.beta = new Parameter("beta" + index, Tensor.allocate(arena, dtype, units), Tensor.allocate(arena, dtype, units), false);
        this.runningMean = Tensor.allocate(arena, dtype, units);
        this.runningVar = Tensor.allocate(arena, dtype, units).fill(1.0);
        this.parameters = List.of(gamma, beta);
        this.state = List.of(new NamedTensor("running_mean" + index, runningMean), new NamedTensor("running_var" + index, runningVar));
        this.exchange = Tensor.allocate(arena, dtype, 2 * units);
        long half = units * dtype.byteSize();
        this.exchangeFirst = Tensor.wrap(exchange.segment().asSlice(0, half), dtype, units);
        this.exchangeSecond = Tensor.wrap(exchange.segment().asSlice(half, half), dtype, units);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long inputs() {
        return gamma.value().size();
    }

    @Override
    public long outputs() {
        return gamma.value().size();
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public List<NamedTensor> state() {
        return state;
    }

    @Override
    public Buffers workspace(Arena arena, DType dtype, long m, boolean inputGradient) {
        long n = outputs();
        return new Buffers(Tensor.allocate(arena, dtype, m, n), Tensor.allocate(arena, dtype, m, n),
                Tensor.allocate(arena, dtype, n), Tensor.allocate(arena, dtype, n), Tensor.allocate(arena, dtype, n));
    }

    @Override
    public Tensor forward(Buffers ws, Tensor in, Mode mode, long step) {
        Tensor mean = runningMean;
        Tensor var = runningVar;
        if (mode == Mode.TRAIN) {
            BatchNormKernels.meanVariance(in, ws.mean(), ws.var());
            mean = ws.mean();
            var = ws.var();
        }
        return forwardWith(ws, in, mean, var);
    }

    private Tensor forwardWith(Buffers ws, Tensor in, Tensor mean, Tensor var) {
        BatchNormKernels.inverseStd(var, EPSILON, ws.invStd());
        BatchNormKernels.normalize(in, mean, ws.invStd(), gamma.value(), beta.value(), ws.Zhat(), ws.A());
        if (activation != Activation.IDENTITY) {
            ActivationKernels.activate(activation, ws.A(), ws.A());
        }
        return ws.A();
    }

    @Override
    public Tensor backward(Buffers ws, Tensor in, Tensor dOut) {
        if (activation != Activation.IDENTITY) {
            ActivationKernels.activationBackward(activation, dOut, ws.A(), dOut);
        }
        BatchNormKernels.backwardSums(dOut, ws.Zhat(), gamma.grad(), beta.grad());
        BatchNormKernels.backwardInput(dOut, ws.Zhat(), gamma.value(), ws.invStd(), gamma.grad(), beta.grad(), dOut);
        return dOut;
    }

    /**
     * TRAIN forward over this replica's rows {@code in} of a batch split over replicas: normalised with the whole
     * batch's mean and variance, which every replica computes alike from two sums over the replicas, then folded
     * into the running averages (this pass's {@link #afterStep}). {@code in} null: this replica holds none of the
     * batch's rows but still joins both sums; returns null then.
     *
     * <p>The first sum gives the mean μ from each replica's mean weighted by its share {@code m/M} of the rows; the
     * second the variance as the weighted sum of each replica's {@code σ²_r + (μ_r − μ)²}, terms that are all
     * positive, so nothing cancels (the one-pass {@code E[Z²] − μ²} would, in float32). One replica holding the
     * whole batch computes exactly what {@link #forward} does.
     */
    Tensor forwardShared(Buffers ws, Tensor in, SharedBatch batch) {
        double share = in == null ? 0 : (double) in.rows() / batch.rows();
        Tensor localMean = in == null ? exchangeSecond.zero() : ws.mean();
        Tensor localVar = in == null ? exchangeSecond : ws.var();
        if (in != null) {
            BatchNormKernels.meanVariance(in, localMean, localVar);
        }
        long n = outputs();
        for (long j = 0; j < n; j++) {
            exchangeFirst.set(j, share * localMean.get(j));
        }
        batch.sumOverReplicas(exchangeFirst);
        for (long j = 0; j < n; j++) {
            double spread = localMean.get(j) - exchangeFirst.get(j);
            exchangeSecond.set(j, share * (localVar.get(j) + spread * spread));
        }
        batch.sumOverReplicas(exchangeSecond);
        BatchNormKernels.runningAverage(runningMean, exchangeFirst, MOMENTUM);
        BatchNormKernels.runningAverage(runningVar, exchangeSecond, MOMENTUM);
        if (in == null) {
            return null;
        }
        ws.mean().copyFrom(exchangeFirst);
        ws.var().copyFrom(exchangeSecond);
        return forwardWith(ws, in, ws.mean(), ws.var());
    }

    /**
     * Backward of {@link #forwardShared}: dγ and dβ become this replica's share of the batch's (its means weighted
     * by its share {@code m/M} of the rows, summed with every other gradient by the caller), while the input
     * gradient uses the whole batch's, summed over the replicas as the statistics were. {@code dOut} null: no rows here, the sum is joined with zeros; returns null then.
     */
    Tensor backwardShared(Buffers ws, Tensor in, Tensor dOut, SharedBatch batch) {
        if (dOut == null) {
            batch.sumOverReplicas(exchange.zero());
            return null;
        }
        if (activation != Activation.IDENTITY) {
            ActivationKernels.activationBackward(activation, dOut, ws.A(), dOut);
        }
        BatchNormKernels.backwardSums(dOut, ws.Zhat(), gamma.grad(), beta.grad());
        double share = (double) dOut.rows() / batch.rows();
        long n = outputs();
        for (long j = 0; j < n; j++) {
            exchangeFirst.set(j, share * gamma.grad().get(j));
            exchangeSecond.set(j, share * beta.grad().get(j));
            gamma.grad().set(j, exchangeFirst.get(j));
            beta.grad().set(j, exchangeSecond.get(j));
        }
        batch.sumOverReplicas(exchange);
        BatchNormKernels.backwardInput(dOut, ws.Zhat(), gamma.value(), ws.invStd(), exchangeFirst, exchangeSecond, dOut);
        return dOut;
    }

    @Override
    public void afterStep(Buffers ws) {
        BatchNormKernels.runningAverage(runningMean, ws.mean(), MOMENTUM);
        BatchNormKernels.runningAverage(runningVar, ws.var(), MOMENTUM);
    }
}

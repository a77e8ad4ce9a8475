package dev.gatun.nn;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/** Test support: a layer that does what {@code inner} does, for test-only layers that break one thing on purpose. */
public abstract class ForwardingLayer<W> implements Layer<W> {
    protected final Layer<W> inner;

    protected ForwardingLayer(Layer<W> inner) {
        this.inner = inner;
    }

    @Override public String name() { return inner.name(); }
    @Override public long inputs() { return inner.inputs(); }
    @Override public long outputs() { return inner.outputs(); }
    @Override public List<Parameter> parameters() { return inner.parameters(); }
    @Override public List<NamedTensor> state() { return inner.state(); }
    @Override public W workspace(Arena arena, DType dtype, long m, boolean inputGradient) {
        return inner.workspace(arena, dtype, m, inputGradient);
    }
    @Override public Tensor forward(W ws, Tensor in, Mode mode, long step) { return inner.forward(ws, in, mode, step); }
    @Override public Tensor backward(W ws, Tensor in, Tensor dOut) { return inner.backward(ws, in, dOut); }
    @Override public void afterStep(W ws) { inner.afterStep(ws); }
}

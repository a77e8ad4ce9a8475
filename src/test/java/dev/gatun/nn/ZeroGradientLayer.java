package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

/**
 * Test support: a deliberately broken layer whose backward pass leaves every gradient zero (its parameters' and the
 * one it passes back). Wrap every layer ({@code DecoratedModels.build(spec, dtype, arena, ZeroGradientLayer::wrap)}) and the
 * network computes its forward pass and cost correctly but can never learn.
 */
public final class ZeroGradientLayer<W> extends ForwardingLayer<W> {
    private ZeroGradientLayer(Layer<W> inner) {
        super(inner);
    }

    public static Layer<?> wrap(Layer<?> layer) {
        return wrapTyped(layer);
    }

    private static <W> Layer<W> wrapTyped(Layer<W> layer) {
        return new ZeroGradientLayer<>(layer);
    }

    @Override
    public Tensor backward(W ws, Tensor in, Tensor dOut) {
        Tensor dIn = inner.backward(ws, in, dOut);
        for (Parameter p : inner.parameters()) {
            p.grad().zero();
        }
        return dIn == null ? null : dIn.zero();
    }
}

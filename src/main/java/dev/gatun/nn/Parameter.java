package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

/**
 * A trainable tensor and the gradient backprop writes for it, under its layer-numbered name ({@code W1}, {@code b1},
 * {@code gamma2}...). {@code regularized} marks the weights L2/L1 apply to (never biases, γ or β).
 * Optimizers and gradient checking see a model only as a list of these.
 */
public record Parameter(String name, Tensor value, Tensor grad, boolean regularized) {
    public Parameter {
        if (value.dtype() != grad.dtype() || value.size() != grad.size()) {
            throw new IllegalArgumentException("parameter " + name + ": value " + value.dtype() + " " + value.shapeString()
                    + " and gradient " + grad.dtype() + " " + grad.shapeString() + " must match");
        }
    }
}

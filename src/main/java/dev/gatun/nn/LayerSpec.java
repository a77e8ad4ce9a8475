package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.DropoutKernels;

/**
 * One hidden layer of a {@link ModelSpec}: its width, activation, whether batch norm sits between its Z and its
 * activation, and the keep-probability of the dropout applied to its output (1 = no dropout).
 */
public record LayerSpec(int units, Activation activation, double keepProb, boolean batchNorm) {
    public LayerSpec {
        if (units <= 0) {
            throw new IllegalArgumentException("a layer needs at least one unit, got " + units);
        }
        if (activation == null) {
            throw new IllegalArgumentException("layer of " + units + " units: activation is null");
        }
        DropoutKernels.requireKeepProb("layer of " + units + " units: dropout", keepProb);
    }
}

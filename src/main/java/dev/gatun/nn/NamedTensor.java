package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

/**
 * A tensor a model keeps but does not train, under a stable name ({@code running_mean1}, {@code running_var1}):
 * saved in model files and early-stopping snapshots with the parameters.
 */
public record NamedTensor(String name, Tensor tensor) {
    public NamedTensor {
        if (name == null || name.isBlank() || tensor == null) {
            throw new IllegalArgumentException("a named tensor needs a name and a tensor, got " + name + ", " + tensor);
        }
    }
}

package dev.gatun.nn;

import dev.gatun.tensor.DType;

import java.lang.foreign.Arena;
import java.util.function.UnaryOperator;

/**
 * Builds models whose layers pass through a decorator, for tests in other packages: the package-private hooks of
 * {@link Model} stay out of the public API, and this class, on the test class path only, reaches them.
 */
public final class DecoratedModels {
    private DecoratedModels() {
    }

    public static Model build(ModelSpec spec, DType dtype, Arena arena, UnaryOperator<Layer<?>> decorator) {
        return Model.build(spec, dtype, arena, decorator);
    }

    public static Model build(Model.Builder builder, Arena arena, UnaryOperator<Layer<?>> decorator) {
        return builder.build(arena, decorator);
    }
}

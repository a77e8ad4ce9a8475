package dev.gatun.spark.train;

import dev.gatun.optim.Optimizer;

import java.io.Serializable;
import java.util.Locale;

/** An optimizer's rule and hyperparameters, as data the driver ships to the tasks; each task builds its own. */
public record OptimizerSettings(Optimizer.Kind kind, double learningRate, double beta1, double beta2, double epsilon)
        implements Serializable {

    public OptimizerSettings {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is null");
        }
        // The optimizer's own checks, run here on the driver so a bad value fails before any task starts.
        build(kind, learningRate, beta1, beta2, epsilon).close();
    }

    /** The rule by its name ({@code sgd}, {@code momentum}, {@code rmsprop}, {@code adam}) with its defaults. */
    public static OptimizerSettings of(String name, double learningRate) {
        Optimizer.Kind kind;
        try {
            kind = Optimizer.Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("optimizer '" + name + "': expected sgd, momentum, rmsprop or adam");
        }
        return new OptimizerSettings(kind, learningRate, Optimizer.DEFAULT_BETA1, Optimizer.DEFAULT_BETA2,
                Optimizer.DEFAULT_EPSILON);
    }

    public Optimizer create() {
        return build(kind, learningRate, beta1, beta2, epsilon);
    }

    private static Optimizer build(Optimizer.Kind kind, double learningRate, double beta1, double beta2, double epsilon) {
        return switch (kind) {
            case SGD -> Optimizer.sgd(learningRate);
            case MOMENTUM -> Optimizer.momentum(learningRate, beta1);
            case RMSPROP -> Optimizer.rmsprop(learningRate, beta2, epsilon);
            case ADAM -> Optimizer.adam(learningRate, beta1, beta2, epsilon);
        };
    }
}

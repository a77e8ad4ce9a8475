package dev.gatun.nn;

import dev.gatun.kernels.ReductionKernels;
import dev.gatun.kernels.RegularizationKernels;

/**
 * L2 or L1 weight penalty, scaled by 1/m, on weights only (parameters marked regularized):
 * L2 {@code J += (λ/2m)·Σ‖W‖²_F}, {@code dW += (λ/m)·W}; L1 {@code J += (λ/2m)·Σ|W|}, {@code dW += (λ/2m)·sign(W)}.
 * In training m is the batch size, also for an epoch's short last batch (see Model.computeGradients).
 */
public record Regularization(Kind kind, double lambda) {
    public enum Kind { NONE, L2, L1 }

    public static final Regularization NONE = new Regularization(Kind.NONE, 0);

    public Regularization {
        if (kind == null) {
            throw new IllegalArgumentException("regularization kind is null");
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda) || Float.isInfinite((float) lambda)) {   // float32 kernels
            throw new IllegalArgumentException("regularization λ must be finite and >= 0, at most " + Float.MAX_VALUE
                    + " (float32's largest), got " + lambda);
        }
        if (kind == Kind.NONE && lambda != 0) {
            throw new IllegalArgumentException("regularization NONE takes no λ, got " + lambda);
        }
    }

    public static Regularization l2(double lambda) {
        return new Regularization(Kind.L2, lambda);
    }

    public static Regularization l1(double lambda) {
        return new Regularization(Kind.L1, lambda);
    }

    boolean active() {
        return kind != Kind.NONE && lambda > 0;
    }

    /** The penalty's share of the cost for a batch of m rows. */
    double cost(Parameter[] parameters, long m) {
        if (!active()) {
            return 0;
        }
        double sum = 0;
        for (Parameter p : parameters) {
            if (p.regularized()) {
                sum += kind == Kind.L2 ? ReductionKernels.sumSquares(p.value()) : ReductionKernels.sumAbs(p.value());
            }
        }
        return lambda / (2.0 * m) * sum;
    }

    /** Adds the penalty's gradient to every regularized parameter's grad. */
    void addGradients(Parameter[] parameters, long m) {
        if (!active()) {
            return;
        }
        for (Parameter p : parameters) {
            if (!p.regularized()) {
                continue;
            }
            if (kind == Kind.L2) {
                RegularizationKernels.addScaled(p.grad(), p.value(), lambda / m);
            } else {
                RegularizationKernels.addScaledSign(p.grad(), p.value(), lambda / (2.0 * m));
            }
        }
    }
}

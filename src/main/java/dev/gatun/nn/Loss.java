package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.LossKernels;
import dev.gatun.kernels.SoftmaxKernels;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

/**
 * The output layer's loss, computed from its logits with the output activation fused in, so that
 * {@code dZ[L] = ŷ − y} comes out of the same pass. The model divides the returned sums by m.
 */
public enum Loss {
    /** Softmax over the outputs, cross-entropy against class labels. */
    SOFTMAX_CROSS_ENTROPY,
    /** A sigmoid per output, binary cross-entropy against 0/1 targets (labels for one output, or dense). */
    BINARY_CROSS_ENTROPY,
    /** Identity output, {@code ½(ŷ − y)²} against dense targets: regression. */
    MSE;

    /** Whether accuracy means something: a predicted class or 0/1 decision. */
    public boolean classification() {
        return this != MSE;
    }

    /**
     * How many classes a model with this loss and {@code outputs} outputs tells apart: one per softmax output, two
     * for a single sigmoid output (p ≥ 0.5 is class 1), and 0 when it predicts no single class per row (MSE, or
     * several independent sigmoids). The one place that rule is written.
     */
    public int classes(int outputs) {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> outputs;
            case BINARY_CROSS_ENTROPY -> outputs == 1 ? 2 : 0;
            case MSE -> 0;
        };
    }

    /** Whether a model with this loss and {@code outputs} outputs predicts one class per row (its targets are labels). */
    public boolean predictsClasses(int outputs) {
        return classes(outputs) > 0;
    }

    /** Validates y for a batch of m rows and n_out outputs before any kernel runs. */
    void checkTargets(Targets y, long m, long outputs, DType dtype) {
        if (y == null) {
            throw new IllegalArgumentException(this + ": targets are null");
        }
        switch (y) {
            case Targets.Labels labels -> {
                if (this == MSE) {
                    throw new IllegalArgumentException("MSE needs dense targets of shape (" + m + ", " + outputs
                            + "), got class labels");
                }
                if (this == BINARY_CROSS_ENTROPY && outputs != 1) {
                    throw new IllegalArgumentException("binary cross-entropy with " + outputs
                            + " outputs needs dense 0/1 targets of shape (" + m + ", " + outputs + "); labels fit one output");
                }
                if (!labels.segment().scope().isAlive()) {
                    throw new IllegalStateException(this + ": labels segment lives in an arena that is already closed");
                }
                if (labels.count() < m) {
                    throw new IllegalArgumentException(this + ": " + labels.count() + " labels for a batch of " + m + " rows");
                }
            }
            case Targets.Dense dense -> {
                if (this == SOFTMAX_CROSS_ENTROPY) {
                    throw new IllegalArgumentException("softmax cross-entropy needs int32 class labels, got a dense tensor "
                            + dense.values().shapeString());
                }
                Tensor v = dense.values();
                if (!v.isAlive()) {
                    throw new IllegalStateException(this + ": targets " + v.shapeString() + " live in an arena that is already closed");
                }
                if (v.rank() != 2 || v.rows() != m || v.cols() != outputs || v.dtype() != dtype) {
                    throw new IllegalArgumentException(this + ": targets are " + v.dtype() + " " + v.shapeString()
                            + " but the model's outputs are " + dtype + " (" + m + ", " + outputs + ")");
                }
                if (this == BINARY_CROSS_ENTROPY) {
                    requireProbabilities(v, m * outputs);
                } else {
                    requireFinite(v, m * outputs);
                }
            }
        }
    }

    /**
     * Binary cross-entropy's targets are probabilities: pixel values 0..255 left unscaled gave a negative loss
     * (about −2,540 for y = 255, z = 10) and gradients of garbage, without a word. One pass over m·outputs values,
     * small beside the step's products.
     */
    private static void requireProbabilities(Tensor v, long count) {
        for (long k = 0; k < count; k++) {
            double y = v.get(k);
            if (!(y >= 0 && y <= 1)) {
                throw new IllegalArgumentException("binary cross-entropy: target " + y + " at row " + k / v.cols()
                        + ", output " + k % v.cols() + " is not a probability in [0, 1]");
            }
        }
    }

    /**
     * A regression's targets are finite: a NaN target makes the cost NaN, which the trainer would report as a
     * divergence to fix with the learning rate. The same one pass as binary cross-entropy's check.
     */
    private static void requireFinite(Tensor v, long count) {
        for (long k = 0; k < count; k++) {
            double y = v.get(k);
            if (!Double.isFinite(y)) {
                throw new IllegalArgumentException("MSE: target " + y + " at row " + k / v.cols() + ", output "
                        + k % v.cols() + " is not a finite number");
            }
        }
    }

    /**
     * Σ over the batch of L(ŷ, y) and {@code dZ = ŷ − y}. {@code scratch} (the logits' shape) receives 0/1 labels
     * as dense targets for binary cross-entropy.
     */
    double lossAndGradient(Tensor logits, Targets y, Tensor dZ, Tensor scratch) {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> SoftmaxKernels.softmaxCrossEntropy(logits, ((Targets.Labels) y).segment(), dZ);
            case BINARY_CROSS_ENTROPY -> LossKernels.sigmoidCrossEntropy(logits, denseTargets(y, scratch), dZ);
            case MSE -> LossKernels.squaredError(logits, ((Targets.Dense) y).values(), dZ);
        };
    }

    /** ŷ from the logits: softmax, sigmoid, or the logits themselves for MSE (returned as is). */
    Tensor output(Tensor logits, Tensor out) {
        switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> SoftmaxKernels.softmax(logits, out);
            case BINARY_CROSS_ENTROPY -> ActivationKernels.activate(Activation.SIGMOID, logits, out);
            case MSE -> {
                return logits;
            }
        }
        return out;
    }

    /** Rows whose predicted class (argmax, or every output's p ≥ 0.5) matches the targets. */
    int countCorrect(Tensor yhat, Targets y) {
        if (this == MSE) {
            throw new UnsupportedOperationException("accuracy is not defined for MSE regression; use the cost");
        }
        long m = yhat.rows();
        long n = yhat.cols();
        int correct = 0;
        for (long i = 0; i < m; i++) {
            if (this == SOFTMAX_CROSS_ENTROPY) {
                long best = 0;
                for (long j = 1; j < n; j++) {
                    if (yhat.get(i, j) > yhat.get(i, best)) {
                        best = j;
                    }
                }
                correct += best == label(y, i, n) ? 1 : 0;
            } else {
                boolean all = true;
                for (long j = 0; j < n; j++) {
                    double target = y instanceof Targets.Dense d ? d.values().get(i, j) : label(y, i, 2);
                    all &= (yhat.get(i, j) >= 0.5) == (target >= 0.5);
                }
                correct += all ? 1 : 0;
            }
        }
        return correct;
    }

    /** Each row's predicted class from the logits (argmax of the logits is argmax of the softmax; logit ≥ 0 is p ≥ ½). */
    void predict(Tensor logits, int[] predictions) {
        long m = logits.rows();
        long n = logits.cols();
        if (this == MSE || (this == BINARY_CROSS_ENTROPY && n != 1)) {
            throw new UnsupportedOperationException(this + " with " + n + " outputs has no single predicted class per row");
        }
        if (predictions.length < m) {
            throw new IllegalArgumentException("predictions array holds " + predictions.length + " entries for " + m + " rows");
        }
        for (long i = 0; i < m; i++) {
            if (this == BINARY_CROSS_ENTROPY) {
                predictions[(int) i] = logits.get(i, 0) >= 0 ? 1 : 0;
                continue;
            }
            long best = 0;
            double bestValue = logits.get(i, 0);
            for (long j = 1; j < n; j++) {
                double v = logits.get(i, j);
                if (v > bestValue) {
                    best = j;
                    bestValue = v;
                }
            }
            predictions[(int) i] = (int) best;
        }
    }

    private static Tensor denseTargets(Targets y, Tensor scratch) {
        if (y instanceof Targets.Dense dense) {
            return dense.values();
        }
        for (long i = 0; i < scratch.rows(); i++) {
            scratch.set(i, label(y, i, 2));
        }
        return scratch;
    }

    private static int label(Targets y, long row, long classes) {
        int label = ((Targets.Labels) y).get(row);
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("label " + label + " at row " + row + " is outside [0, " + classes + ")");
        }
        return label;
    }
}

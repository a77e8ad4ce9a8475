package dev.gatun.train;

import dev.gatun.nn.Dropout;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The two-sided gradient check: for every parameter θᵢ, {@code (J(θ+ε) − J(θ−ε))/2ε} with ε = 1e−7 in
 * float64, compared with backprop's gradient by {@code ‖approx − grad‖₂/(‖approx‖₂ + ‖grad‖₂)} over all
 * parameters and over each tensor, so a wrong layer is named. Below 1e−7 backprop is right; around 1e−5 look
 * closer; above 1e−3 it is a bug.
 *
 * <p>J is the TRAIN-mode cost with the regularization term, so batch norm is checked with batch statistics.
 * With dropout the check holds the mask fixed: every evaluation replays the masks of the step the gradients
 * were computed for, and the report says so. The model comes back as it was (parameters, running statistics,
 * step counter); only the gradients hold the analytic values.
 */
public final class GradientCheck {
    public static final double EPSILON = 1e-7;
    /** Below this, the gradients are right. */
    public static final double GOOD = 1e-7;
    /** Above this, there is a bug. */
    public static final double BUG = 1e-3;

    private GradientCheck() {}

    public static GradientCheckReport check(Model model, Tensor X, Targets y) {
        if (model.dtype() != DType.F64) {
            throw new IllegalArgumentException("gradient checking needs a float64 model (ε = 1e-7 is below float32's "
                    + "resolution), this one is " + model.dtype() + ": build it with DType.F64, or copyFrom a float32 model");
        }
        if (X != null && X.rank() == 2 && X.rows() < 2
                && model.spec().hidden().stream().anyMatch(dev.gatun.nn.LayerSpec::batchNorm)) {
            // Over one row batch norm's variance is 0 and every output is β: the check then reported a gradient bug
            // in β (relative difference 0.24) where there is none. The Trainer refuses such batches too.
            throw new IllegalArgumentException("gradient checking a model with batch norm needs at least 2 rows to"
                    + " estimate a variance, got X " + X.shapeString());
        }
        long step = model.step();
        List<double[]> state = new ArrayList<>();
        for (NamedTensor t : model.state()) {
            state.add(t.tensor().toDoubleArray());
        }
        List<GradientCheckReport.TensorCheck> tensors = new ArrayList<>();
        double diff2 = 0;
        double approx2 = 0;
        double grad2 = 0;
        // The model is left as it came, however the check ends: an exception part-way (another thread closing X's
        // arena, say) left one weight moved by ε and batch norm's running statistics a step on.
        try {
            model.computeGradients(X, y);
            model.setStep(step);
            for (Parameter p : model.parameters()) {
                double[] grad = p.grad().toDoubleArray();
                Tensor theta = p.value();
                double tDiff2 = 0;
                double tApprox2 = 0;
                double tGrad2 = 0;
                double maxAbs = 0;
                for (int i = 0; i < grad.length; i++) {
                    double saved = theta.get(i);
                    double plus;
                    double minus;
                    try {
                        theta.set(i, saved + EPSILON);
                        plus = model.cost(X, y, Mode.TRAIN);
                        theta.set(i, saved - EPSILON);
                        minus = model.cost(X, y, Mode.TRAIN);
                    } finally {
                        theta.set(i, saved);
                    }
                    double approx = (plus - minus) / (2 * EPSILON);
                    double d = approx - grad[i];
                    tDiff2 += d * d;
                    tApprox2 += approx * approx;
                    tGrad2 += grad[i] * grad[i];
                    maxAbs = Math.max(maxAbs, Math.abs(d));
                }
                tensors.add(new GradientCheckReport.TensorCheck(p.name(), p.value().shapeString(),
                        relative(tDiff2, tApprox2, tGrad2), maxAbs));
                diff2 += tDiff2;
                approx2 += tApprox2;
                grad2 += tGrad2;
            }
        } finally {
            for (int i = 0; i < state.size(); i++) {
                model.state().get(i).tensor().copyFrom(state.get(i));
            }
            model.setStep(step);
        }
        boolean dropout = model.layers().stream().anyMatch(l -> l instanceof Dropout);
        String note = dropout
                ? "dropout is active: every cost evaluation replayed the dropout masks of step " + step + " (mask held fixed)"
                : "";
        return GradientCheckReport.of(relative(diff2, approx2, grad2), tensors, note);
    }

    private static double relative(double diff2, double approx2, double grad2) {
        double denominator = Math.sqrt(approx2) + Math.sqrt(grad2);
        return denominator == 0 ? 0 : Math.sqrt(diff2) / denominator;
    }
}

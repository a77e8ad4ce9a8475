package dev.gatun.train;

import java.util.Comparator;
import java.util.List;

/**
 * What a {@link GradientCheck} found: the relative difference over all parameters, the same figure per
 * tensor, and the worst tensor by name. {@code passed} when the overall figure is below {@link GradientCheck#GOOD}.
 */
public record GradientCheckReport(double relativeError, double maxRelativeError, String worstTensor,
                                  List<TensorCheck> tensors, boolean passed, String note) {

    /** One parameter tensor's figures; {@code maxAbsoluteDifference} is its largest |approx − grad|. */
    public record TensorCheck(String name, String shape, double relativeError, double maxAbsoluteDifference) {}

    public GradientCheckReport {
        tensors = List.copyOf(tensors);
    }

    static GradientCheckReport of(double relativeError, List<TensorCheck> tensors, String note) {
        // Double's ordering puts NaN above every number: a tensor whose difference is NaN is the worst.
        TensorCheck worst = tensors.stream().max(Comparator.comparingDouble(TensorCheck::relativeError)).orElseThrow();
        return new GradientCheckReport(relativeError, worst.relativeError(), worst.name(), tensors,
                relativeError < GradientCheck.GOOD, note);
    }

    /** What the overall figure says, by the thresholds in {@link GradientCheck}. */
    public String verdict() {
        if (relativeError < GradientCheck.GOOD) {
            return "good";
        }
        if (Double.isNaN(relativeError)) {   // every comparison with NaN is false: it would read "look closer"
            return "non-finite (NaN or Inf in the loss or a gradient: the check says nothing)";
        }
        return relativeError > GradientCheck.BUG ? "bug" : "look closer";
    }
}

package dev.gatun.cli;

/**
 * The course's reading of a run: avoidable bias is the training error (taking human-level error on these images as
 * near 0), variance the gap from training to dev error; the larger one says what to try next.
 */
final class BiasVariance {
    private BiasVariance() {}

    static String reading(double trainAccuracy, double devAccuracy) {
        double trainError = 100 * (1 - trainAccuracy);
        if (Double.isNaN(devAccuracy)) {
            return String.format("train error %.2f%% (no dev set: --dev N to tell bias from variance)", trainError);
        }
        double devError = 100 * (1 - devAccuracy);
        double gap = devError - trainError;
        String verdict = trainError >= gap
                ? "bias dominates: a bigger network, longer training or a better optimizer"
                : "variance dominates: more data, L2 (--l2), dropout (--dropout) or early stopping";
        return String.format("train error %.2f%%, dev error %.2f%% (gap %.2f points): %s", trainError, devError, gap, verdict);
    }
}

package dev.gatun.tune;

/**
 * One trial's draw, with the log10 values it came from: learning rate {@code 10^lrLog}, L2 λ {@code 10^l2Log},
 * β {@code 1 − 10^betaLog} (NaN for plain SGD, which has none).
 */
public record Hyperparameters(double learningRate, double lambda, double beta, double lrLog, double l2Log,
                              double betaLog) {

    /** The draw for these log10 values; {@code betaLog} NaN means no β. */
    public static Hyperparameters of(double lrLog, double l2Log, double betaLog) {
        return new Hyperparameters(Math.pow(10, lrLog), Math.pow(10, l2Log),
                Double.isNaN(betaLog) ? Double.NaN : 1 - Math.pow(10, betaLog), lrLog, l2Log, betaLog);
    }
}

package dev.gatun.train;

/**
 * One epoch of training as the History keeps it. Losses are the cost J (with the regularisation term for the
 * training loss as optimised, without it for dev); accuracies are fractions in [0, 1]; dev figures are NaN
 * when there is no dev set.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double devLoss, double devAccuracy,
                         double learningRate, double samplesPerSecond, double seconds) {}

package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.FeatureType;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.serve.RowWeights;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A classifier's figures as a service gets them: every row through {@link Predictor#classify(float[], float[])}, the
 * single-row kernel with the chosen {@link RowWeights}, rather than through the training side's batches. So bfloat16
 * row weights can be checked on a model's own data before it is deployed with them. The loss is the mean of
 * −ln p(label) over the served float32 probabilities, each floored at the smallest normal float (a row then costs at
 * most 87.3). The batch evaluation works from the logits instead, and the two part where a float32 probability
 * cannot carry the loss: a softmax row whose true class trails by a logit gap beyond about 87 is floored; for one
 * sigmoid output, a label-0 row's 1 − p comes from a p rounded to float32 steps of 6e-8 near 1, so its loss is off by
 * about 1e-4 at a logit of 8, 0.3 at 16, and floored from about 17 (a label-1 row below −87 is floored too).
 * Accuracy and the confusion matrix are exact either way.
 */
final class RowByRowEvaluation {
    private RowByRowEvaluation() {}

    /** {@code model} (with its file's {@code normalization}) on every row of {@code set}, one row per call. */
    static Evaluation of(Model model, Normalization normalization, RowWeights weights, DataSet set) {
        requireClassifier(model);
        int classes = model.loss().classes(model.outputs());
        try (Predictor predictor = Predictor.of(model, normalization,
                Predictor.Options.defaults().withRowWeights(weights))) {
            float[] row = new float[set.features()];
            float[] probabilities = new float[model.outputs()];
            long[][] confusion = classes <= Evaluator.MAX_CONFUSION_CLASSES ? new long[classes][classes] : null;
            double lossSum = 0;
            long correct = 0;
            for (int i = 0; i < set.size(); i++) {
                read(set, i, row);
                int predicted;
                try {
                    predicted = predictor.classify(row, probabilities);
                } catch (IllegalArgumentException e) {   // it names a place in the one-row call, not in the data
                    throw new IllegalArgumentException("sample " + i + " (row " + set.fileRow(i) + " of " + set.name()
                            + "): " + e.getMessage(), e);
                }
                int label = set.label(i);
                if (confusion != null) {
                    confusion[label][predicted]++;
                }
                correct += predicted == label ? 1 : 0;
                lossSum -= Math.log(Math.max(probabilityOf(model.loss(), probabilities, label), Float.MIN_NORMAL));
            }
            int n = set.size();
            return new Evaluation(set.name(), n, lossSum / n, (double) correct / n, confusion);
        }
    }

    /** Refuses a model that predicts no single class per row: before any data is read. */
    static void requireClassifier(Model model) {
        if (!model.loss().predictsClasses(model.outputs())) {
            throw new IllegalArgumentException("--row-weights evaluates a classifier row by row, as a service's "
                    + "classify calls do; this model is " + model.loss() + " with " + model.outputs() + " outputs");
        }
    }

    /** The probability the model gives {@code label}: a softmax output, or for one sigmoid output p or 1 − p. */
    private static double probabilityOf(Loss loss, float[] probabilities, int label) {
        if (loss == Loss.BINARY_CROSS_ENTROPY) {
            return label == 1 ? probabilities[0] : 1.0 - probabilities[0];
        }
        return probabilities[label];
    }

    /** Sample {@code i}'s raw features into {@code row}: pixels as their unsigned values, table cells as stored. */
    private static void read(DataSet set, int i, float[] row) {
        MemorySegment stored = set.row(i);
        if (set.featureType() == FeatureType.UINT8) {
            for (int j = 0; j < row.length; j++) {
                row[j] = stored.get(ValueLayout.JAVA_BYTE, j) & 0xFF;
            }
        } else {
            MemorySegment.copy(stored, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, row, 0, row.length);
        }
    }
}

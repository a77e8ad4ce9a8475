package dev.gatun.train;

import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;

import java.util.ArrayList;
import java.util.List;

/** What two training runs are compared by: every epoch's figures (timings aside) and every weight, in order. */
final class RunFigures {
    private RunFigures() {}

    /** Train loss and accuracy, dev loss and accuracy and learning rate of each epoch, epoch after epoch. */
    static double[] history(TrainingResult result) {
        List<Double> figures = new ArrayList<>();
        for (EpochStats e : result.history().epochs()) {
            figures.addAll(List.of(e.trainLoss(), e.trainAccuracy(), e.devLoss(), e.devAccuracy(), e.learningRate()));
        }
        return figures.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Every parameter's values, parameter after parameter. */
    static float[] weights(Model model) {
        int count = 0;
        for (Parameter p : model.parameters()) {
            count += (int) p.value().size();
        }
        float[] all = new float[count];
        int at = 0;
        for (Parameter p : model.parameters()) {
            float[] values = p.value().toFloatArray();
            System.arraycopy(values, 0, all, at, values.length);
            at += values.length;
        }
        return all;
    }
}

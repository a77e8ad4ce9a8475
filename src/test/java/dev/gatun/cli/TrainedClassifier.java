package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.serve.Predictor;
import dev.gatun.train.LearnableData;
import dev.gatun.train.Trainer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;

/** A small learnable MNIST-format directory and a classifier trained on it and saved: what eval and predict read. */
final class TrainedClassifier {
    static final int TRAIN = 400;
    static final int TEST = 300;

    private TrainedClassifier() {}

    /** Writes the data under {@code dir/data} and the trained model to {@code dir/model.gatun}; returns the model file. */
    static Path write(Path dir) throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), TRAIN, TEST, 11, false);
        Path file = dir.resolve("model.gatun");
        try (MnistDirectory mnist = LearnableData.load(data);
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(LearnableData.FEATURES).dense(16, Activation.RELU)
                     .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(5).build(arena);
             Optimizer adam = Optimizer.adam(1e-2);
             Trainer trainer = Trainer.builder(model, adam, mnist.train()).epochs(3).batchSize(32).seed(2)
                     .normalization(Normalization.scaleToUnit(LearnableData.FEATURES)).build()) {
            trainer.run();
            ModelIo.save(file, model, Normalization.scaleToUnit(LearnableData.FEATURES), Map.of());
        }
        return file;
    }

    /** A model file of the given shape and loss, untrained: for the mismatch cases. */
    static Path untrained(Path file, int inputs, int outputs, Loss loss) throws IOException {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(inputs).dense(8, Activation.RELU).output(outputs, loss).seed(1).build(arena)) {
            ModelIo.save(file, model, Normalization.scaleToUnit(inputs), Map.of());
        }
        return file;
    }

    /** Sample {@code i}'s raw pixel values, as the CLI reads them. */
    static float[] pixels(DataSet set, int i) {
        MemorySegment row = set.pixels(i);
        float[] x = new float[set.features()];
        for (int j = 0; j < x.length; j++) {
            x[j] = row.get(ValueLayout.JAVA_BYTE, j) & 0xFF;
        }
        return x;
    }

    /** The class {@link Predictor#classify} gives each sample of {@code set}: the independent reference. */
    static int[] classify(Path model, DataSet set) throws IOException {
        try (Predictor predictor = Predictor.load(model)) {
            int[] classes = new int[set.size()];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = predictor.classify(pixels(set, i));
            }
            return classes;
        }
    }
}

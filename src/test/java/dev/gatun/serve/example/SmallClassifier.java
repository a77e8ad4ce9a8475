package dev.gatun.serve.example;

import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/** The servers' tests' model: a small softmax classifier (one hidden ReLU layer of 8, seed 5), saved and loaded. */
final class SmallClassifier {
    private SmallClassifier() {}

    static Predictor load(Path dir, int inputs, int outputs) throws IOException {
        Path file = dir.resolve("small-" + inputs + "-" + outputs + ".gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(inputs).dense(8, Activation.RELU).output(outputs, Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build(arena)) {
            ModelIo.save(file, model, Normalization.scaleToUnit(inputs), Map.of());
        }
        return Predictor.load(file);
    }
}

package dev.gatun.train;

import dev.gatun.data.DataSet;
import dev.gatun.data.FashionMnist;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.serve.Predictor;
import dev.gatun.serve.RowWeights;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The acceptance run on the real data: 784-256-128-10, ReLU, He, Adam 1e-3, batch 128, >= 88% within 10 epochs. */
class FashionMnistTrainingTest {
    @Test
    void the_course_network_reaches_88_percent_test_accuracy_within_10_epochs() throws IOException {
        try (MnistDirectory data = FashionMnist.load();
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                     .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(42).build(arena);
             Optimizer adam = Optimizer.adam(1e-3)) {
            DataSet.Split split = data.train().split(5000, 42);
            Normalization unit = Normalization.scaleToUnit(784);
            try (Trainer trainer = Trainer.builder(model, adam, split.train()).dev(split.dev()).normalization(unit)
                    .batchSize(128).epochs(10).seed(42).build();
                 Evaluator test = new Evaluator(data.test(), unit, 1000)) {
                var result = trainer.run();
                assertEquals(TrainingResult.Outcome.COMPLETED, result.outcome());
                double accuracy = test.evaluate(model).accuracy();
                assertTrue(accuracy >= 0.88, "test accuracy after 10 epochs " + accuracy + "; history " + result.history().epochs());
                assertTrue(result.history().last().trainAccuracy() > result.history().last().devAccuracy() - 0.01,
                        result.history().epochs().toString());
                // Serving the trained model one row at a time: float32 row weights agree with the evaluator, and
                // bfloat16 row weights (RowWeights' promise) cost at most 0.2 points of test accuracy.
                double exact = rowByRowAccuracy(model, unit, data.test(), RowWeights.FLOAT32);
                double compact = rowByRowAccuracy(model, unit, data.test(), RowWeights.BFLOAT16);
                assertEquals(accuracy, exact, 0.0005, "float32 predictor vs evaluator");
                assertEquals(exact, compact, 0.002, "bfloat16 vs float32 row weights");
            }
        }
    }

    private static double rowByRowAccuracy(Model model, Normalization normalization, DataSet test, RowWeights format) {
        try (Predictor predictor = Predictor.of(model, normalization, Predictor.Options.defaults().withRowWeights(format))) {
            float[] row = new float[test.features()];
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                MemorySegment pixels = test.pixels(i);
                for (int j = 0; j < row.length; j++) {
                    row[j] = pixels.get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                }
                correct += predictor.classify(row) == test.label(i) ? 1 : 0;
            }
            System.out.printf("%s row weights: test accuracy %.4f%n", format, correct / (double) test.size());
            return correct / (double) test.size();
        }
    }

    @Test
    void adam_at_learning_rate_10_is_stopped_within_the_first_epoch_with_a_report() throws IOException {
        try (MnistDirectory data = FashionMnist.load();
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                     .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(42).build(arena);
             Optimizer adam = Optimizer.adam(10);
             Trainer trainer = Trainer.builder(model, adam, data.train()).batchSize(128).epochs(10).seed(42).build()) {
            TrainingResult result = trainer.run();
            assertEquals(TrainingResult.Outcome.EXPLODED, result.outcome());
            Explosion e = result.explosion();
            assertEquals(1, e.epoch(), e.message());
            assertEquals(10, e.learningRate());
            assertTrue(e.message().contains("step " + e.step()) && !e.reason().isBlank(), e.message());
            assertTrue(result.history().isEmpty(), "stopped inside epoch 1");
        }
    }
}

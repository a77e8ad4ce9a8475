package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Java API's in-memory data: a {@link Table} of arrays trains like any other data set. */
class TableTrainingTest {
    @Test
    void theTrainerLearnsXorFromJavaArrays() {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        int[] y = {0, 1, 1, 0};
        try (Table xor = Table.ofLabels("xor", x, y, 2);
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(2).dense(3, Activation.TANH).output(1, Loss.BINARY_CROSS_ENTROPY)
                     .init(Init.XAVIER).seed(42).build(arena);
             Optimizer adam = Optimizer.adam(0.1)) {
            try (Trainer trainer = Trainer.builder(model, adam, xor.dataSet()).batchSize(4).epochs(300).build()) {
                trainer.run();
            }
            try (Evaluator evaluator = new Evaluator(xor.dataSet(), Normalization.none(2), 4)) {
                assertEquals(1.0, evaluator.evaluate(model).accuracy(), 0.0);
            }
        }
    }
}

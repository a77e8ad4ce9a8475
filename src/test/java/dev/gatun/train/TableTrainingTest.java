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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A table may hold 65,536 classes; their dense confusion matrix (34 GB) ran the heap out in the first epoch's
     * evaluation, after its training. Above 1,024 classes the evaluation keeps accuracy and loss and no matrix.
     */
    @Test
    void aTableOfTheMostClassesTrainsAndIsEvaluatedWithoutAConfusionMatrix() {
        int most = 65_536;
        float[][] x = {{0, 1}, {1, 0}, {1, 1}, {0, 0}};
        int[] y = {0, 1, most - 1, 2};
        try (Arena arena = Arena.ofShared(); Table table = Table.ofLabels("many", x, y, most);
             Model model = Model.builder(2).output(most, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena);
             Optimizer sgd = Optimizer.sgd(0.1);
             Trainer trainer = Trainer.builder(model, sgd, table.dataSet()).epochs(1).warmUp(false).build()) {
            TrainingResult result = trainer.run();
            assertEquals(1, result.history().size());
            try (Evaluator evaluator = new Evaluator(table.dataSet(), Normalization.none(2), 4)) {
                Evaluation e = evaluator.evaluate(model);
                assertEquals(null, e.confusion());
                assertEquals(0, e.classes());
                assertEquals(result.history().last().trainAccuracy(), e.accuracy(), 0.0);
            }
        }
        // At the limit the matrix is kept.
        int[] labels = {0, 1, Evaluator.MAX_CONFUSION_CLASSES - 1, 2};
        try (Arena arena = Arena.ofConfined(); Table table = Table.ofLabels("limit", x, labels,
                Evaluator.MAX_CONFUSION_CLASSES);
             Model model = Model.builder(2).output(Evaluator.MAX_CONFUSION_CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                     .seed(1).build(arena);
             Evaluator evaluator = new Evaluator(table.dataSet(), Normalization.none(2), 4)) {
            Evaluation e = evaluator.evaluate(model);
            assertEquals(Evaluator.MAX_CONFUSION_CLASSES, e.classes());
            long counted = 0;
            for (long[] row : e.confusion()) {
                counted += java.util.Arrays.stream(row).sum();
            }
            assertEquals(4, counted);
        }
    }

    /** A batch of one row has variance 0: batch norm would output β alone and learn its running variance as ~0. */
    @Test
    void batchNormRefusesBatchesOfOneRowAndLeavesOutALastBatchOfOne() {
        float[][] x = new float[41][];
        int[] y = new int[41];
        for (int i = 0; i < x.length; i++) {
            x[i] = new float[] {i % 7, i % 5, i % 3};
            y[i] = i % 2;
        }
        try (Table table = Table.ofLabels("t", x, y, 2); Arena arena = Arena.ofConfined();
             Model model = Model.builder(3).dense(8, Activation.RELU).batchNorm().output(1, Loss.BINARY_CROSS_ENTROPY)
                     .seed(1).build(arena);
             Optimizer adam = Optimizer.adam(0.01)) {
            try (Trainer trainer = Trainer.builder(model, adam, table.dataSet()).batchSize(1).epochs(1).build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, trainer::run);
                assertTrue(e.getMessage().contains("batch norm needs at least 2 rows per batch"), e.getMessage());
            }
            // 41 rows in batches of 4: ten batches, and the eleventh (one row) left out of each epoch.
            try (Trainer trainer = Trainer.builder(model, adam, table.dataSet()).batchSize(4).epochs(2).build()) {
                assertEquals(20, trainer.run().steps());
            }
            try (Trainer trainer = Trainer.builder(model, adam, table.dataSet()).batchSize(5).epochs(2).build()) {
                assertEquals(16, trainer.run().steps(), "41 rows in batches of 5: eight, the ninth (1 row) left out");
            }
            try (Trainer trainer = Trainer.builder(model, adam, table.dataSet()).batchSize(6).epochs(2).build()) {
                assertEquals(14, trainer.run().steps(), "41 rows in batches of 6: the last holds 5 rows and stays");
            }
        }
    }
}

package dev.gatun.cli;

import dev.gatun.activation.Activation;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.train.ClusterTraining;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Evaluator;
import dev.gatun.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Early stopping on the cluster path, for a run resumed from a checkpoint, as {@code gatun train}'s Trainer counts it. */
class ClusterEpochsTest {
    @TempDir
    Path dir;

    /**
     * The checkpoint's best weights ({@code FILE.best}) are missing: the model the run resumes from holds its last
     * epoch's weights, so that is the best epoch it can go back to. Counting from the history's earlier best stopped a
     * patience early, reported that epoch and ended with weights of a later one.
     */
    @Test
    void aRunResumedWithoutItsBestWeightsCountsFromItsLastEpoch() throws Exception {
        float[][] x = new float[40][3];
        int[] y = new int[40];
        for (int i = 0; i < x.length; i++) {
            x[i][i % 3] = 1;
            y[i] = i % 2;
        }
        try (Table table = Table.ofLabels("rows", x, y, 2);
             Arena arena = Arena.ofConfined();
             Model model = Model.builder(3).dense(4, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena)) {
            DataSet data = table.dataSet();
            Path file = dir.resolve("m.gatun");
            ModelIo.save(file, model, Normalization.none(3), Map.of());
            byte[] modelFile = Files.readAllBytes(file);
            double own;
            try (Evaluator evaluator = new Evaluator(data, Normalization.none(3), Evaluator.DEFAULT_BATCH)) {
                own = evaluator.evaluate(model).loss();
            }
            History before = new History();
            before.add(new EpochStats(1, 1.0, 0.5, own / 4, 0.5, 0, 1, 1));   // the best, whose weights are gone
            before.add(new EpochStats(2, 1.0, 0.5, own, 0.5, 0, 1, 1));       // the checkpoint's weights
            ClusterEpochs epochs = new ClusterEpochs(data, data, before, null, modelFile, 2, 10, null);
            assertEquals(2, epochs.bestEpoch());

            // Every later epoch hands over the same weights: no better dev loss than epoch 2's.
            epochs.epochFinished(new ClusterTraining.Epoch(3, 1.0, 1, 0, modelFile));
            assertTrue(epochs.trainOnAfter(3), "one epoch without improving on epoch 2 is within a patience of 2");
            epochs.epochFinished(new ClusterTraining.Epoch(4, 1.0, 1, 0, modelFile));
            assertFalse(epochs.trainOnAfter(4));
            assertTrue(epochs.stoppedEarly());
            assertEquals(2, epochs.bestEpoch(), "the last resumed epoch, not epoch 1 whose weights are gone");
            byte[] engineLast = {1, 2, 3};
            assertSame(modelFile, epochs.finalModel(engineLast), "the run ends with the weights of the epoch it reports");
        }
    }

    /** With the best weights the history's best epoch stands, and the run can end with its weights. */
    @Test
    void aRunResumedWithItsBestWeightsCountsFromTheHistorysBest() throws Exception {
        try (Table table = Table.ofLabels("rows", new float[][] {{0, 1}, {1, 0}, {1, 1}, {0, 0}}, new int[] {0, 1, 0, 1}, 2)) {
            History before = new History();
            before.add(new EpochStats(1, 1.0, 0.5, 0.1, 0.5, 0, 1, 1));
            before.add(new EpochStats(2, 1.0, 0.5, 0.9, 0.5, 0, 1, 1));
            byte[] best = {7};
            ClusterEpochs epochs = new ClusterEpochs(table.dataSet(), table.dataSet(), before, best, new byte[] {8}, 2, 10, null);
            assertEquals(1, epochs.bestEpoch());
            assertSame(best, epochs.finalModel(new byte[] {9}));
        }
    }
}

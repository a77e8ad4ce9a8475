package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.Evaluator;
import dev.gatun.train.LearnableData;
import dev.gatun.train.Trainer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Trainers and evaluators free the workspaces they open on a model when they close: each run, and each switch of an
 * evaluator between models, left one behind that only the model's close freed (17 MB a run for 64-1024-4; an
 * evaluator alternating between two models grew to 6.6 GB over 400 switches in a probe).
 */
class ModelWorkspacesTest {
    @Test
    void aModelTrainedAgainAndAgainHoldsNoWorkspaceOfEarlierRuns() {
        try (Table table = LearnableData.oneHotRows(256, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena)) {
            DataSet data = table.dataSet();
            int own = model.openWorkspaces();
            for (int run = 0; run < 5; run++) {
                // Two step threads: replica 0's workspace is the caller's model's; the evaluators open theirs too.
                try (Optimizer sgd = Optimizer.sgd(0.01);
                     Trainer trainer = Trainer.builder(model, sgd, data).dev(data).batchSize(128).epochs(1)
                             .stepThreads(2).normalization(Normalization.none(8)).build()) {
                    trainer.run();
                }
                assertEquals(own, model.openWorkspaces(), "workspaces left open on the model after run " + (run + 1));
            }
        }
    }

    @Test
    void anEvaluatorSwitchingModelsKeepsOneWorkspaceAndFreesItOnClose() {
        try (Table table = LearnableData.oneHotRows(64, 8); Arena arena = Arena.ofShared();
             Model a = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena);
             Model b = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena)) {
            int ownA = a.openWorkspaces();
            int ownB = b.openWorkspaces();
            try (Evaluator evaluator = new Evaluator(table.dataSet(), Normalization.none(8), 32)) {
                for (int i = 0; i < 10; i++) {
                    evaluator.evaluate(i % 2 == 0 ? a : b);
                    assertEquals(1, a.openWorkspaces() - ownA + b.openWorkspaces() - ownB,
                            "workspaces open for one evaluator after " + (i + 1) + " evaluations");
                }
            }
            assertEquals(ownA, a.openWorkspaces());
            assertEquals(ownB, b.openWorkspaces());
        }
    }
}

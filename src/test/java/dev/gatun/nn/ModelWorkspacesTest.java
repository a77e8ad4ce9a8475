package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.train.Evaluator;
import dev.gatun.train.LearnableData;
import dev.gatun.train.Trainer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A model closed by one thread while another opens workspaces on it or runs passes: every workspace made is closed
     * with the model or never made, and a pass that sized new buffers during the close leaves none behind. Before,
     * both checked "open" and then added to what close() had already freed and cleared. A race: each round closes at
     * another moment, and the invariants are checked after every one of them.
     */
    @Test
    void aModelClosedDuringPassesAndNewWorkspacesLeavesNothingOpen() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            try (Arena arena = Arena.ofShared()) {
                Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY)
                        .seed(1).build(arena);
                Tensor[] inputs = new Tensor[12];   // more sizes than a workspace keeps: passes keep making buffers
                for (int m = 1; m <= inputs.length; m++) {
                    inputs[m - 1] = Tensor.allocate(arena, DType.F32, m, 8);
                }
                Workspace passes = model.newWorkspace();
                List<Workspace> made = new ArrayList<>();
                AtomicReference<Throwable> passEnd = new AtomicReference<>();
                AtomicReference<Throwable> makingEnd = new AtomicReference<>();
                Thread passing = Thread.ofPlatform().start(() -> {
                    try {
                        for (int k = 0; ; k++) {
                            model.forward(inputs[k % inputs.length], Mode.INFERENCE, passes);
                        }
                    } catch (Throwable t) {
                        passEnd.set(t);
                    }
                });
                Thread making = Thread.ofPlatform().start(() -> {
                    try {
                        while (true) {
                            made.add(model.newWorkspace());
                        }
                    } catch (Throwable t) {
                        makingEnd.set(t);
                    }
                });
                long spin = random.nextLong(20_000);
                for (long i = 0; i < spin; i++) {
                    Thread.onSpinWait();
                }
                model.close();
                passing.join(10_000);
                making.join(10_000);
                assertTrue(!passing.isAlive() && !making.isAlive(), "both threads stopped once the model closed");
                assertInstanceOf(IllegalStateException.class, makingEnd.get(), "new workspaces refused after close");
                assertInstanceOf(RuntimeException.class, passEnd.get(), "the pass failed on the closed model");
                assertEquals(0, passes.heldSizes(), "round " + round + ": buffers left in the closed workspace");
                for (Workspace w : made) {
                    assertTrue(w.isClosed(), "round " + round + ": a workspace made during the close is open");
                }
                assertEquals(0, model.openWorkspaces(), "round " + round);
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
    /**
     * A workspace's buffers hold its own model's layers, so a pass of one model in another's workspace ran the other
     * model and returned its outputs, silently: refused, for every pass that takes a workspace. A one-block workspace
     * bigger than its row-count slots can count is refused too.
     */
    @Test
    void anotherModelsWorkspaceIsRefusedAndABlockHasABoundedRowCount() {
        try (Arena arena = Arena.ofConfined();
             Model m1 = Model.builder(3).dense(4, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena);
             Model m2 = Model.builder(3).dense(50, Activation.TANH).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena)) {
            Tensor X = Tensor.of(arena, new float[] {1, 2, 3}, 1, 3);
            Targets y = Targets.labels(arena, new int[] {0});
            Workspace other = m2.newWorkspace();
            String expected = "the workspace belongs to another model: use one from this model's newWorkspace()";
            for (org.junit.jupiter.api.function.Executable pass : java.util.List.<org.junit.jupiter.api.function.Executable>of(
                    () -> m1.forward(X, Mode.INFERENCE, other),
                    () -> m1.evaluate(X, y, other, new int[1]),
                    () -> m1.countCorrect(X, y, other),
                    () -> m1.computeDataGradients(X, y, alone(), m2.newWorkspace(4)))) {
                assertEquals(expected, assertThrows(IllegalArgumentException.class, pass).getMessage());
            }
            m1.forward(X, Mode.INFERENCE, m1.newWorkspace());   // its own is fine
            IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                    () -> m1.newWorkspace(Integer.MAX_VALUE));
            assertEquals("a workspace of one block holds batches of 1 to 2147483639 rows, asked for 2147483647",
                    huge.getMessage());
        }
    }

    /** One replica holding the whole batch. */
    private static SharedBatch alone() {
        return new SharedBatch() {
            @Override
            public long rows() {
                return 1;
            }

            @Override
            public long rowId(int i) {
                return i;
            }

            @Override
            public void sumOverReplicas(Tensor values) {}
        };
    }
}

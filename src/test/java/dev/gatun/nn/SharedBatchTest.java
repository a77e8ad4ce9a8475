package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Model#computeDataGradients(Tensor, Targets, SharedBatch, Workspace)}: replicas in threads of one JVM,
 * summing through an in-process {@link SharedBatch}, against one pass over the whole batch — synchronized batch
 * norm, dropout keyed by row id, a replica without rows — and the workspace sized for up to m rows.
 */
class SharedBatchTest {
    private static final int ROWS = 12;

    private static Model.Builder net(DType dtype, double keep) {
        Model.Builder b = Model.builder(6).dense(7, Activation.TANH).batchNorm();
        if (keep < 1) {
            b.dropout(keep);
        }
        b.dense(5, Activation.RELU).batchNorm();
        if (keep < 1) {
            b.dropout(keep);
        }
        return b.output(3, Loss.SOFTMAX_CROSS_ENTROPY).l1(0.2).seed(5).dtype(dtype);
    }

    @Test
    void one_replica_holding_the_whole_batch_computes_exactly_what_computeGradients_does() {
        try (Arena arena = Arena.ofConfined(); Model whole = net(DType.F32, 1).build(arena);
             Model replica = net(DType.F32, 1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 2, ROWS, 3);
            double cost = whole.computeGradients(X, y);
            double sharedCost = replica.computeDataGradients(X, y, new Sums(1).replica(0, ROWS, ids(0, ROWS)),
                    replica.newWorkspace(ROWS)) / ROWS
                    + replica.finishStep(ROWS);
            assertEquals(cost, sharedCost);
            for (int p = 0; p < whole.parameters().size(); p++) {
                assertEquals(-1, whole.parameters().get(p).grad().segment().mismatch(replica.parameters().get(p).grad().segment()),
                        whole.parameters().get(p).name());
            }
            for (int s = 0; s < whole.state().size(); s++) {
                assertEquals(-1, whole.state().get(s).tensor().segment().mismatch(replica.state().get(s).tensor().segment()),
                        whole.state().get(s).name());
            }
        }
    }

    @Test
    void two_replicas_with_batch_norm_together_compute_the_whole_batchs_gradients() throws Exception {
        try (Arena arena = Arena.ofShared(); Model whole = net(DType.F64, 1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 3, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 4, ROWS, 3);
            double cost = whole.computeGradients(X, y);
            Split split = Split.run(arena, net(DType.F64, 1), X, y, new int[] {5, 7}, ids(0, ROWS));
            assertEquals(cost, split.cost, 1e-12);
            assertClose(gradients(whole), split.summed, "gradients of the batch");
            for (Model replica : split.replicas) {
                assertClose(state(whole), state(replica), "running statistics of every replica");
            }
            split.close();
        }
    }

    @Test
    void dropout_masks_follow_the_rows_ids_whatever_the_split_and_the_order() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Tensor X = TestData.gaussian(arena, DType.F64, 5, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 6, ROWS, 3);
            long[] ids = ids(100, ROWS);
            Split one = Split.run(arena, net(DType.F64, 0.6), X, y, new int[] {ROWS}, ids);
            Split two = Split.run(arena, net(DType.F64, 0.6), X, y, new int[] {4, 8}, ids);
            assertClose(one.summed, two.summed, "one replica and two");

            // The same rows with the same ids in reverse order: the same masks, so the same gradients.
            Tensor reversedX = Tensor.allocate(arena, DType.F64, ROWS, 6);
            int[] reversedLabels = new int[ROWS];
            long[] reversedIds = new long[ROWS];
            for (int i = 0; i < ROWS; i++) {
                for (int j = 0; j < 6; j++) {
                    reversedX.set(i, j, X.get(ROWS - 1 - i, j));
                }
                reversedLabels[i] = y.segment().getAtIndex(ValueLayout.JAVA_INT, ROWS - 1 - i);
                reversedIds[i] = ids[ROWS - 1 - i];
            }
            Split reversed = Split.run(arena, net(DType.F64, 0.6), reversedX, Targets.labels(arena, reversedLabels),
                    new int[] {ROWS}, reversedIds);
            assertClose(one.summed, reversed.summed, "rows in another order");

            // Other ids: other masks.
            Split renumbered = Split.run(arena, net(DType.F64, 0.6), X, y, new int[] {ROWS}, ids(500, ROWS));
            assertTrue(Math.abs(one.summed[0][0] - renumbered.summed[0][0]) > 1e-9,
                    "other row ids draw other masks");
            for (Split s : List.of(one, two, reversed, renumbered)) {
                s.close();
            }
        }
    }

    @Test
    void a_replica_without_rows_joins_the_sums_and_ends_with_the_same_statistics() throws Exception {
        try (Arena arena = Arena.ofShared(); Model whole = net(DType.F64, 1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 7, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 8, ROWS, 3);
            whole.computeGradients(X, y);
            Split split = Split.run(arena, net(DType.F64, 1), X, y, new int[] {ROWS, 0}, ids(0, ROWS));
            assertClose(gradients(whole), split.summed, "gradients of the batch");
            assertClose(state(whole), state(split.replicas.get(1)), "running statistics of the replica without rows");
            for (double[] g : gradients(split.replicas.get(1))) {
                for (double v : g) {
                    assertEquals(0.0, v, "a replica without rows has zero gradients");
                }
            }
            split.close();
        }
    }

    @Test
    void a_workspace_for_up_to_m_rows_serves_every_smaller_size_from_one_block() {
        try (Arena arena = Arena.ofConfined(); Model model = net(DType.F32, 1).build(arena)) {
            Workspace block = model.newWorkspace(8);
            for (int rows : new int[] {5, 8, 3, 5, 1}) {
                Tensor X = TestData.gaussian(arena, DType.F32, rows, rows, 6);
                float[] expected = model.forward(X, Mode.INFERENCE).toFloatArray();
                float[] actual = model.forward(X, Mode.INFERENCE, block).toFloatArray();
                assertEquals(expected.length, actual.length);
                for (int k = 0; k < expected.length; k++) {
                    assertEquals(expected[k], actual[k], rows + " rows, element " + k);
                }
            }
            Tensor tooMany = TestData.gaussian(arena, DType.F32, 9, 9, 6);
            String message = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(tooMany, Mode.INFERENCE, block)).getMessage();
            assertTrue(message.contains("9 rows") && message.contains("1 to 8"), message);
            assertThrows(IllegalArgumentException.class, () -> model.newWorkspace(0));
        }
    }

    private static long[] ids(long first, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = first + i;
        }
        return ids;
    }

    private static double[][] gradients(Model model) {
        return model.parameters().stream().map(p -> p.grad().toDoubleArray()).toArray(double[][]::new);
    }

    private static double[][] state(Model model) {
        return model.state().stream().map(s -> s.tensor().toDoubleArray()).toArray(double[][]::new);
    }

    private static void assertClose(double[][] expected, double[][] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int p = 0; p < expected.length; p++) {
            for (int k = 0; k < expected[p].length; k++) {
                assertEquals(expected[p][k], actual[p][k], 1e-12 * (1 + Math.abs(expected[p][k])),
                        what + ": tensor " + p + "[" + k + "]");
            }
        }
    }

    /**
     * One step's split pass: replica r takes the next {@code shares[r]} rows of X, in a thread of its own, and the
     * replicas' gradients (each its share of the batch's mean) summed, with the penalty added once.
     */
    private record Split(List<Model> replicas, double[][] summed, double cost) implements AutoCloseable {
        static Split run(Arena arena, Model.Builder net, Tensor X, Targets.Labels y, int[] shares, long[] ids)
                throws Exception {
            int p = shares.length;
            Sums sums = new Sums(p);
            List<Model> replicas = new ArrayList<>();
            List<Future<Double>> losses = new ArrayList<>();
            ExecutorService threads = Executors.newFixedThreadPool(p);
            try {
                int start = 0;
                for (int r = 0; r < p; r++) {
                    Model replica = net.build(arena);
                    replicas.add(replica);
                    int from = start;
                    int rows = shares[r];
                    SharedBatch batch = sums.replica(r, ROWS, java.util.Arrays.copyOfRange(ids, from, from + rows));
                    Workspace ws = replica.newWorkspace(ROWS);
                    losses.add(threads.submit(() -> rows == 0 ? replica.computeDataGradients(null, null, batch, ws)
                            : replica.computeDataGradients(X.rowSlice(from, from + rows), new Targets.Labels(
                            y.segment().asSlice(from * 4L, rows * 4L)), batch, ws)));
                    start += rows;
                }
                double lossSum = 0;
                double[][] summed = null;
                for (int r = 0; r < p; r++) {
                    lossSum += losses.get(r).get(30, TimeUnit.SECONDS);
                    double[][] g = gradients(replicas.get(r));
                    if (summed == null) {
                        summed = new double[g.length][];
                        for (int i = 0; i < g.length; i++) {
                            summed[i] = new double[g[i].length];
                        }
                    }
                    for (int i = 0; i < g.length; i++) {
                        for (int k = 0; k < g[i].length; k++) {
                            summed[i][k] += g[i][k];
                        }
                    }
                }
                Model first = replicas.getFirst();
                for (int i = 0; i < summed.length; i++) {
                    first.parameters().get(i).grad().copyFrom(summed[i]);
                }
                double cost = lossSum / ROWS + first.finishStep(ROWS);
                return new Split(replicas, gradients(first), cost);
            } finally {
                threads.shutdownNow();
            }
        }

        @Override
        public void close() {
            replicas.forEach(Model::close);
        }
    }

    /** The replicas' sums: each waits for all, then adds the values in replica order, so all get the same bits. */
    private static final class Sums {
        private final CyclicBarrier barrier;
        private final double[][] slots;

        Sums(int replicas) {
            this.barrier = new CyclicBarrier(replicas);
            this.slots = new double[replicas][];
        }

        SharedBatch replica(int rank, long rows, long[] ids) {
            return new SharedBatch() {
                @Override
                public long rows() {
                    return rows;
                }

                @Override
                public long rowId(int i) {
                    return ids[i];
                }

                @Override
                public void sumOverReplicas(Tensor values) {
                    double[] mine = new double[(int) values.size()];
                    for (int k = 0; k < mine.length; k++) {
                        mine[k] = values.get(k);
                    }
                    slots[rank] = mine;
                    await();
                    for (long k = 0; k < values.size(); k++) {
                        double sum = 0;
                        for (double[] slot : slots) {
                            sum += slot[(int) k];
                        }
                        values.set(k, sum);
                    }
                    await();
                }
            };
        }

        private void await() {
            try {
                barrier.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("replicas out of step", e);
            }
        }
    }
}

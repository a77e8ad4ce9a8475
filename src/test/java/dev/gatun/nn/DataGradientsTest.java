package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Model#computeDataGradients} and {@link Model#finishStep}, the split step of data-parallel training,
 * against {@link Model#computeGradients} on the whole batch.
 */
class DataGradientsTest {
    private static final int ROWS = 12;

    private static Model.Builder net() {
        return Model.builder(6).dense(7, Activation.TANH).dense(5, Activation.RELU)
                .output(3, Loss.SOFTMAX_CROSS_ENTROPY).l2(0.3).seed(5).dtype(DType.F64);
    }

    @Test
    void a_whole_batch_gives_exactly_what_computeGradients_gives() {
        try (Arena arena = Arena.ofConfined(); Model split = net().build(arena); Model whole = net().build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 1, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 2, ROWS, 3);
            double cost = whole.computeGradients(X, y);
            double splitCost = split.computeDataGradients(X, y) / ROWS;
            assertEquals(0, split.step(), "computeDataGradients leaves the step counter alone");
            splitCost += split.finishStep(ROWS);
            assertEquals(cost, splitCost);
            assertEquals(whole.step(), split.step());
            for (int p = 0; p < whole.parameters().size(); p++) {
                Tensor expected = whole.parameters().get(p).grad();
                Tensor actual = split.parameters().get(p).grad();
                for (long k = 0; k < expected.size(); k++) {
                    assertEquals(expected.get(k), actual.get(k), whole.parameters().get(p).name() + "[" + k + "]");
                }
            }
        }
    }

    @Test
    void shares_weighed_by_their_rows_and_summed_give_the_batch_gradient() {
        int first = 5;
        try (Arena arena = Arena.ofConfined(); Model replica = net().build(arena); Model whole = net().build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 3, ROWS, 6);
            Targets.Labels y = TestData.labels(arena, 4, ROWS, 3);
            whole.computeGradients(X, y);

            double[][] sums = new double[replica.parameters().size()][];
            double lossSum = 0;
            for (int[] share : new int[][] {{0, first}, {first, ROWS}}) {
                Targets.Labels shareLabels = new Targets.Labels(y.segment().asSlice(
                        share[0] * ValueLayout.JAVA_INT.byteSize(), (share[1] - share[0]) * ValueLayout.JAVA_INT.byteSize()));
                lossSum += replica.computeDataGradients(X.rowSlice(share[0], share[1]), shareLabels);
                double weight = (double) (share[1] - share[0]) / ROWS;
                for (int p = 0; p < sums.length; p++) {
                    double[] grad = replica.parameters().get(p).grad().toDoubleArray();
                    if (sums[p] == null) {
                        sums[p] = new double[grad.length];
                    }
                    for (int k = 0; k < grad.length; k++) {
                        sums[p][k] += weight * grad[k];
                    }
                }
            }
            for (int p = 0; p < sums.length; p++) {
                replica.parameters().get(p).grad().copyFrom(sums[p]);
            }
            double cost = lossSum / ROWS + replica.finishStep(ROWS);

            assertEquals(whole.cost(X, y, Mode.TRAIN), cost, 1e-12);
            for (int p = 0; p < sums.length; p++) {
                Tensor expected = whole.parameters().get(p).grad();
                Tensor actual = replica.parameters().get(p).grad();
                for (long k = 0; k < expected.size(); k++) {
                    assertEquals(expected.get(k), actual.get(k), 1e-12, whole.parameters().get(p).name() + "[" + k + "]");
                }
            }
        }
    }

    @Test
    void batch_norm_and_dropout_are_refused_by_name() {
        try (Arena arena = Arena.ofConfined();
             Model normed = Model.builder(4).dense(3, Activation.RELU).batchNorm().output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
             Model dropped = Model.builder(4).dense(3, Activation.RELU).dropout(0.5).output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 4, 4);
            Targets.Labels y = TestData.labels(arena, 1, 4, 2);
            String bn = assertThrows(UnsupportedOperationException.class, () -> normed.computeDataGradients(X, y)).getMessage();
            assertTrue(bn.contains("batchnorm1"), bn);
            String dropout = assertThrows(UnsupportedOperationException.class, () -> dropped.computeDataGradients(X, y)).getMessage();
            assertTrue(dropout.contains("dropout1"), dropout);
            assertThrows(IllegalArgumentException.class, () -> dropped.finishStep(0));
        }
    }
}

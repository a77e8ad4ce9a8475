package dev.gatun.spark.bench;

import dev.gatun.activation.Activation;
import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Parameter;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The averaging of {@link AveragedReplicas} against independent references: the element-wise mean in double, the
 * plain single-model loop for one replica, and for SGD (a linear update) the step with the replicas' mean gradient.
 */
class AveragedReplicasTest {
    private static final int ROWS = 240;
    private static final int FEATURES = 6;
    private static final int CLASSES = 3;
    private static final int LOCAL_BATCH = 16;
    private static final long SEED = 7;
    private static final ModelSpec SPEC = Model.builder(FEATURES).dense(8, Activation.RELU)
            .output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(SEED).spec();
    private static final Normalization NONE = Normalization.none(FEATURES);

    private Table table;

    /** Rows labelled by the largest of three linear scores: learnable, so the replicas' gradients differ and matter. */
    @BeforeEach
    void syntheticRows() {
        SplittableRandom random = new SplittableRandom(3);
        float[][] features = new float[ROWS][FEATURES];
        int[] labels = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            double[] scores = new double[CLASSES];
            for (int j = 0; j < FEATURES; j++) {
                features[i][j] = (float) random.nextGaussian();
                scores[j % CLASSES] += features[i][j] * (1 + j);
            }
            labels[i] = scores[0] >= scores[1] && scores[0] >= scores[2] ? 0 : scores[1] >= scores[2] ? 1 : 2;
        }
        table = Table.ofLabels("synthetic", features, labels, CLASSES);
    }

    @AfterEach
    void closeTable() {
        table.close();
    }

    @Test
    void shardsAreDisjointAndCoverEveryRow() {
        List<DataSet> shards = AveragedReplicas.shards(table.dataSet(), 3, SEED);
        assertEquals(3, shards.size());
        boolean[] seen = new boolean[ROWS];
        for (DataSet shard : shards) {
            assertEquals(ROWS / 3, shard.size());
            for (int i = 0; i < shard.size(); i++) {
                int row = shard.fileRow(i);
                assertFalse(seen[row], "row " + row + " in two shards");
                seen[row] = true;
            }
        }
    }

    @Test
    void averageWritesTheElementwiseMeanOfParametersAndOptionallyMomentsIntoEveryReplica() {
        try (AveragedReplicas replicas = new AveragedReplicas(SPEC, AveragedReplicas.shards(table.dataSet(), 3, SEED),
                LOCAL_BATCH, NONE, SEED, () -> Optimizer.adam(0.01))) {
            for (int k = 0; k < 3; k++) {
                replicas.step(new long[1]);
            }
            List<double[]> parameterMeans = means(replicas, r -> values(replicas.model(r).parameters()));
            List<double[]> momentMeans = means(replicas, r -> replicas.optimizer(r).state());
            assertFalse(sameFloats(values(replicas.model(0).parameters()), values(replicas.model(1).parameters())),
                    "replicas on different shards should have drifted apart before averaging");

            replicas.average(false);
            for (int r = 0; r < replicas.replicas(); r++) {
                assertClose(parameterMeans, values(replicas.model(r).parameters()), "replica " + r + "'s parameters");
            }
            assertFalse(sameFloats(replicas.optimizer(0).state(), replicas.optimizer(1).state()),
                    "averaging the parameters alone must leave each replica's Adam moments its own");

            replicas.average(true);
            for (int r = 0; r < replicas.replicas(); r++) {
                assertClose(momentMeans, replicas.optimizer(r).state(), "replica " + r + "'s Adam moments");
            }
        }
    }

    @Test
    void oneReplicaAveragedEveryStepTrainsAsThePlainLoop() {
        DataSet data = table.dataSet();
        try (AveragedReplicas replicas = new AveragedReplicas(SPEC, AveragedReplicas.shards(data, 1, SEED), LOCAL_BATCH,
                NONE, SEED, () -> Optimizer.adam(0.01));
             Arena arena = Arena.ofConfined(); Model plain = Model.build(SPEC, DType.F32, arena);
             Optimizer adam = Optimizer.adam(0.01);
             Batches batches = Batches.over(data, LOCAL_BATCH).seed(SEED).normalization(NONE).build()) {
            for (int k = 0; k < 2 * replicas.stepsPerEpoch(); k++) {
                replicas.step(new long[1]);
                replicas.average(true);
                Batch batch = batches.next();
                plain.computeGradients(batch.X(), batch.targetsFor(plain));
                adam.step(plain.parameters());
            }
            assertTrue(sameFloats(values(plain.parameters()), values(replicas.model(0).parameters())),
                    "averaging one replica must change nothing");
            assertTrue(sameFloats(adam.state(), replicas.optimizer(0).state()));
        }
    }

    /** SGD's update is linear, so averaging after every step is the step with the mean of the replicas' gradients. */
    @Test
    void withSgdAveragingEveryStepIsTheStepWithTheMeanGradient() {
        double rate = 0.1;
        List<DataSet> shards = AveragedReplicas.shards(table.dataSet(), 2, SEED);
        try (AveragedReplicas replicas = new AveragedReplicas(SPEC, shards, LOCAL_BATCH, NONE, SEED,
                () -> Optimizer.sgd(rate));
             Arena arena = Arena.ofConfined(); Model reference = Model.build(SPEC, DType.F32, arena);
             Batches first = Batches.over(shards.get(0), LOCAL_BATCH).seed(SEED).normalization(NONE).build();
             Batches second = Batches.over(shards.get(1), LOCAL_BATCH).seed(SEED + 1).normalization(NONE).build()) {
            List<Parameter> parameters = reference.parameters();
            for (int k = 0; k < 10; k++) {
                replicas.step(new long[1]);
                replicas.average(false);
                List<double[]> gradientSum = new ArrayList<>();
                for (Batches loader : List.of(first, second)) {
                    Batch batch = loader.next();
                    reference.computeGradients(batch.X(), batch.targetsFor(reference));
                    List<double[]> gradient = doubles(parameters.stream().map(Parameter::grad).toList());
                    if (gradientSum.isEmpty()) {
                        gradientSum.addAll(gradient);
                    } else {
                        for (int i = 0; i < gradient.size(); i++) {
                            for (int j = 0; j < gradient.get(i).length; j++) {
                                gradientSum.get(i)[j] += gradient.get(i)[j];
                            }
                        }
                    }
                }
                for (int i = 0; i < parameters.size(); i++) {
                    Tensor w = parameters.get(i).value();
                    for (int j = 0; j < w.size(); j++) {
                        w.set(j, w.get(j) - rate * gradientSum.get(i)[j] / 2);
                    }
                }
            }
            for (int r = 0; r < 2; r++) {
                assertClose(doubles(values(parameters)), values(replicas.model(r).parameters()),
                        "replica " + r + " against the mean-gradient step");
            }
        }
    }

    private static List<Tensor> values(List<Parameter> parameters) {
        return parameters.stream().map(Parameter::value).toList();
    }

    private static List<double[]> doubles(List<Tensor> tensors) {
        List<double[]> out = new ArrayList<>();
        for (Tensor t : tensors) {
            float[] floats = t.toFloatArray();
            double[] widened = new double[floats.length];
            for (int j = 0; j < floats.length; j++) {
                widened[j] = floats[j];
            }
            out.add(widened);
        }
        return out;
    }

    /** The element-wise mean in double over the replicas of the tensors {@code of} gives for each. */
    private static List<double[]> means(AveragedReplicas replicas, Function<Integer, List<Tensor>> of) {
        List<double[]> sums = new ArrayList<>(doubles(of.apply(0)));
        for (int r = 1; r < replicas.replicas(); r++) {
            List<double[]> next = doubles(of.apply(r));
            for (int i = 0; i < sums.size(); i++) {
                for (int j = 0; j < sums.get(i).length; j++) {
                    sums.get(i)[j] += next.get(i)[j];
                }
            }
        }
        for (double[] sum : sums) {
            for (int j = 0; j < sum.length; j++) {
                sum[j] /= replicas.replicas();
            }
        }
        return sums;
    }

    private static void assertClose(List<double[]> expected, List<Tensor> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            double[] e = expected.get(i);
            double[] a = doubles(List.of(actual.get(i))).getFirst();
            assertEquals(e.length, a.length, what);
            for (int j = 0; j < e.length; j++) {
                assertEquals(e[j], a[j], 1e-6 * Math.max(1, Math.abs(e[j])), what + ", tensor " + i + " element " + j);
            }
        }
    }

    private static boolean sameFloats(List<Tensor> a, List<Tensor> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i).toFloatArray(), b.get(i).toFloatArray())) {
                return false;
            }
        }
        return true;
    }
}

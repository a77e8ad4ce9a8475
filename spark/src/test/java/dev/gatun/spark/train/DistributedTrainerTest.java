package dev.gatun.spark.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestModels;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distributed training in local[2]: the result does not depend on the number of replicas, and it learns. */
class DistributedTrainerTest {
    private static final int FEATURES = 12;
    private static final int CLASSES = 3;
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = dev.gatun.spark.TestSessions.local(2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static TrainingPlan plan(int epochs, int batch) {
        var spec = Model.builder(FEATURES).dense(16, Activation.TANH).output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                .l2(1e-3).seed(3).spec();
        return new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), epochs, batch, 7,
                Normalization.Mode.STANDARDIZE_PER_FEATURE, null, null, 0, 30_000);
    }

    @Test
    void oneAndTwoReplicasGiveTheSameLossesAndTheModelLearns() throws Exception {
        List<Row> rows = TestFrames.teacherRows(700, FEATURES, CLASSES, 11);
        // The input in three partitions: P=1 and P=2 both spread it over hash ranges; the ids come from its content.
        Dataset<Row> frame = TestFrames.frame(spark, rows, 3).cache();
        TrainingPlan plan = plan(4, 64);   // 700 rows: 10 full batches and one of 60
        TrainingOutcome one = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 1);
        TrainingOutcome two = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2);

        assertEquals(4, one.epochLosses().length);
        for (int e = 0; e < 4; e++) {
            double a = one.epochLosses()[e];
            double b = two.epochLosses()[e];
            assertEquals(a, b, 1e-4 * Math.abs(a), "epoch " + (e + 1) + " loss with 1 and 2 replicas");
        }
        assertTrue(one.epochLosses()[3] < 0.6 * one.epochLosses()[0],
                "the loss falls: " + java.util.Arrays.toString(one.epochLosses()));
        assertEquals(0, one.allReduceBytesPerStep(), "one replica sends nothing");
        // 2(P-1)/P of the buffer: every parameter (12·16 + 16 + 16·3 + 3 = 259 floats) and the loss.
        assertEquals(260 * Float.BYTES, two.allReduceBytesPerStep());

        Path file = dir.resolve("model.gatun");
        Files.write(file, two.modelFile());
        try (Predictor predictor = Predictor.load(file)) {
            int correct = 0;
            float[] x = new float[FEATURES];
            for (Row row : rows) {
                double[] values = ((Vector) row.get(0)).toArray();
                for (int j = 0; j < FEATURES; j++) {
                    x[j] = (float) values[j];
                }
                correct += predictor.classify(x) == (int) row.getDouble(1) ? 1 : 0;
            }
            assertTrue(correct > 0.85 * rows.size(), "training accuracy " + correct + "/" + rows.size());
        }
    }

    /**
     * A replica's task killed in local[2] once epoch 1 of 3 was reported: the fit runs the stage again from the
     * state after the last epoch reported and ends with the undisturbed run's losses and weights, bit for bit.
     */
    @Test
    void aKilledReplicaIsTrainedAgainFromTheLastEpochAndEndsAsTheUndisturbedRun() throws Exception {
        Dataset<Row> frame = TestFrames.frame(spark, TestFrames.teacherRows(700, FEATURES, CLASSES, 12), 2).cache();
        TrainingPlan plan = plan(3, 16);
        TrainingOutcome clean = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2);
        RunningTasks tasks = new RunningTasks();
        spark.sparkContext().addSparkListener(tasks);
        try {
            TrainingOutcome retried = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2, epoch -> {
                if (epoch.epoch() == 1 && tasks.killed.isEmpty()) {
                    long task = tasks.last;
                    tasks.killed.add(task);
                    spark.sparkContext().killTaskAttempt(task, true, "test: a replica lost after epoch 1");
                }
            });
            assertEquals(1, tasks.killed.size());
            assertTrue(retried.attemptStarts().length == 2 && retried.attemptStarts()[1] >= 1,
                    "the second attempt starts after a reported epoch: " + java.util.Arrays.toString(retried.attemptStarts()));
            org.junit.jupiter.api.Assertions.assertArrayEquals(clean.epochLosses(), retried.epochLosses());
            org.junit.jupiter.api.Assertions.assertArrayEquals(TestModels.weights(clean.modelFile()),
                    TestModels.weights(retried.modelFile()));
        } finally {
            spark.sparkContext().removeSparkListener(tasks);
        }
    }

    /** The id of the task that started last. */
    private static final class RunningTasks extends org.apache.spark.scheduler.SparkListener {
        volatile long last = -1;
        final List<Long> killed = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart event) {
            last = event.taskInfo().taskId();
        }
    }
}

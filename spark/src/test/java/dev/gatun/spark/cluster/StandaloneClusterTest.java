package dev.gatun.spark.cluster;

import dev.gatun.serve.Predictor;
import dev.gatun.spark.TestCommands;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.ml.GatunClassificationModel;
import dev.gatun.spark.ml.GatunClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fit and transform on a standalone cluster of separate JVMs on loopback: a master, a worker and its executors, so
 * the training plan, the rows, the replicas' results, the broadcast model and the model object the scoring tasks
 * run are all serialised between JVMs for real, and the ring all-reduce runs between two executor processes. The
 * worker's class path holds Spark but not Gatun: the executors load Gatun from the jars the driver ships.
 */
class StandaloneClusterTest extends OnLoopbackCluster {
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void twoExecutorJvmsTrainAndScore() throws Exception {
        SparkSession spark = cluster.session("gatun-standalone-test", flags);
        try {
            Dataset<Row> data = TestFrames.frame(spark, TestFrames.teacherRows(600, 8, 3, 31), 2);
            GatunClassificationModel model = new GatunClassifier().setLayers(8, 16, 3).setActivation("tanh")
                    .setLearningRate(0.02).setEpochs(5).setBatchSize(32).setSeed(4).setNumPartitions(2).fit(data);
            double[] losses = model.trainingLosses();
            assertTrue(losses[4] < 0.7 * losses[0], "losses " + Arrays.toString(losses));
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(data));
            assertTrue(accuracy > 0.85, "training accuracy " + accuracy);
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code gatun train --spark spark://...} straight from the command (no spark-submit, no session of the
     * caller's): it starts its own session on the master, ships Gatun's jars to the executors, which have none,
     * prints an epoch line per epoch, and writes a model file that loads.
     */
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void gatunTrainOnAMasterUrlShipsGatunToTheExecutors() throws Exception {
        List<Row> rows = TestFrames.teacherRows(600, 8, 3, 17);
        Path csv = TestFrames.writeCsv(rows, home.resolve("teacher.csv"));
        Path model = home.resolve("cluster.gatun");
        String[] args = {"train", "--data", csv.toString(), "--label", "label", "--epochs", "3", "--batch", "32",
                "--lr", "0.02", "--seed", "5", "--spark", cluster.masterUrl(), "--partitions", "2", "--out",
                model.toString()};
        TestCommands.Printed run = TestCommands.run(List.of(args));
        String printed = run.out();
        assertEquals(0, run.exit(), printed + "\n" + run.err() + "\n" + cluster.logs());
        assertEquals(3, printed.lines().filter(line -> line.matches("epoch \\d+: train loss .* acc .*")).count(), printed);
        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(8, predictor.inputs());
        }
    }
}

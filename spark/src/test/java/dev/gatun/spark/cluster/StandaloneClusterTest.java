package dev.gatun.spark.cluster;

import dev.gatun.spark.TestFrames;
import dev.gatun.spark.ml.GatunClassificationModel;
import dev.gatun.spark.ml.GatunClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fit and transform on a standalone cluster of separate JVMs on loopback: a master, a worker and its two
 * executors, so the training plan, the rows, the replicas' results, the broadcast model and the model object
 * the scoring tasks run are all serialised between JVMs for real, and the ring all-reduce runs between two
 * executor processes.
 */
class StandaloneClusterTest {
    @TempDir
    Path home;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void twoExecutorJvmsTrainAndScore() throws Exception {
        String flags = System.getProperty("gatun.spark.jvm.flags");
        try (LoopbackCluster cluster = new LoopbackCluster(home, flags, 2)) {
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
    }
}

package dev.gatun.spark.ml;

import dev.gatun.data.MnistDirectory;
import dev.gatun.spark.TestSessions;
import dev.gatun.spark.train.DataSetFrame;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole of Fashion-MNIST through the Spark ML API in local[2] with two replicas: 60,000 training images as
 * blocks of bytes ({@link DataSetFrame}), ten epochs of 784-256-128-10 with Adam and a decaying rate, scored on the
 * 10,000 test images with Spark's own evaluator; the bar is 88%.
 */
class FashionMnistSparkTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void twoReplicasTrain784_256_128_10ToEightyEightPercentInTenEpochs() throws Exception {
        try (SparkSession spark = TestSessions.local(2); MnistDirectory mnist = MnistDirectory.load(DATA)) {
            // The images travel as blocks of bytes and become Spark rows inside the tasks, each time they are read
            // (not cached): 60,000 rows of 784 doubles, on the driver or in Spark's cache, would not fit the tests' heap.
            Dataset<Row> train = DataSetFrame.of(spark, mnist.train(), 2);
            Dataset<Row> test = DataSetFrame.of(spark, mnist.test(), 2);
            GatunClassifier classifier = new GatunClassifier().setLayers(784, 256, 128, 10).setActivation("relu")
                    .setOptimizer("adam").setLearningRate(1e-3).setLearningRateDecay("exponential:0.8")
                    .setEpochs(10).setBatchSize(128).setSeed(1)
                    .setNormalization("scale-to-unit").setNumPartitions(2);
            long start = System.nanoTime();
            GatunClassificationModel model = classifier.fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(test));
            String run = "test accuracy " + accuracy + " after fit of " + seconds + " s, losses "
                    + Arrays.toString(model.trainingLosses());
            System.out.println("784-256-128-10 on Fashion-MNIST, local[2]: " + run);
            assertTrue(accuracy >= 0.88, run);
        }
    }
}

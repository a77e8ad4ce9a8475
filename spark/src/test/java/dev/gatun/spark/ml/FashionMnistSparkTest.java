package dev.gatun.spark.ml;

import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fashion-MNIST through the Spark ML API in local[2] with two replicas: 10,000 stratified training images, four
 * epochs of 784-128-10, scored on 2,000 test images with Spark's own evaluator. A small run, so the bar is 80%
 * (the full 784-256-128-10 run reaches 88%).
 */
class FashionMnistSparkTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    private static Dataset<Row> frame(SparkSession spark, DataSet data) {
        List<Row> rows = new ArrayList<>(data.size());
        double[] pixels = new double[data.features()];
        for (int i = 0; i < data.size(); i++) {
            MemorySegment image = data.pixels(i);
            for (int j = 0; j < pixels.length; j++) {
                pixels[j] = image.get(ValueLayout.JAVA_BYTE, j) & 0xFF;
            }
            rows.add(RowFactory.create(Vectors.dense(pixels.clone()), (double) data.label(i)));
        }
        return spark.createDataFrame(rows, TestFrames.schema());
    }

    @Test
    void twoReplicasLearnFashionMnist() throws Exception {
        try (SparkSession spark = TestSessions.local(2); MnistDirectory mnist = MnistDirectory.load(DATA)) {
            Dataset<Row> train = frame(spark, mnist.train().stratified(10_000, 1)).cache();
            Dataset<Row> test = frame(spark, mnist.test().first(2_000));
            GatunClassifier classifier = new GatunClassifier().setLayers(784, 128, 10).setActivation("relu")
                    .setOptimizer("adam").setLearningRate(1e-3).setEpochs(4).setBatchSize(128).setSeed(1)
                    .setNormalization("scale-to-unit").setNumPartitions(2);
            GatunClassificationModel model = classifier.fit(train);
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(test));
            double[] losses = model.trainingLosses();
            assertTrue(losses[3] < losses[0], "training loss falls: " + Arrays.toString(losses));
            assertTrue(accuracy >= 0.80, "test accuracy " + accuracy + ", losses " + Arrays.toString(losses));
        }
    }
}

package dev.gatun.spark.bench;

import dev.gatun.data.MnistDirectory;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.Locale;

/**
 * One fit of Spark MLlib's MultilayerPerceptronClassifier on Fashion-MNIST, the peer bench/spark-compare measures Gatun
 * on Spark against: 784-256-128-10 (sigmoid hidden units, softmax output: MLlib offers nothing else), L-BFGS for the
 * given iterations, block size 128, pixels scaled to [0, 1] (raw 0–255 inputs saturate the sigmoids). The session is
 * started and the training rows cached and counted before the clock starts, so the time is {@code fit}'s own, as a
 * Spark user sees it. Prints one JSON object.
 *
 * <p>Usage: {@code MllibMlpRun MASTER ITERATIONS [DATA_DIR]}
 */
public final class MllibMlpRun {
    private MllibMlpRun() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: MllibMlpRun MASTER ITERATIONS [DATA_DIR]");
        }
        String master = args[0];
        int iterations = Integer.parseInt(args[1]);
        Path data = Path.of(args.length > 2 ? args[2] : "/usr/share/datasets/fashion-mnist");
        try (SparkSession spark = SparkSession.builder().master(master).appName("mllib-mlp")
                .config("spark.ui.enabled", "false").getOrCreate();
             MnistDirectory mnist = MnistDirectory.load(data)) {
            Dataset<Row> train = FashionMnistFrames.of(spark, mnist.train(), 1 / 255.0).cache();
            Dataset<Row> test = FashionMnistFrames.of(spark, mnist.test(), 1 / 255.0).cache();
            long trainRows = train.count();
            test.count();
            MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier()
                    .setLayers(new int[] {784, 256, 128, 10}).setBlockSize(128).setMaxIter(iterations).setTol(1e-9)
                    .setSeed(1);
            long start = System.nanoTime();
            MultilayerPerceptronClassificationModel model = mlp.fit(train);
            double fitSeconds = (System.nanoTime() - start) / 1e9;
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(test));
            System.out.println(String.format(Locale.ROOT,
                    "{\"engine\":\"mllib-mlp\",\"master\":\"%s\",\"iterations\":%d,\"train_rows\":%d,\"fit_seconds\":%.3f,"
                            + "\"test_accuracy\":%.4f,\"gradient_samples_per_second\":%.1f}",
                    master, iterations, trainRows, fitSeconds, accuracy, iterations * (double) trainRows / fitSeconds));
        }
    }
}

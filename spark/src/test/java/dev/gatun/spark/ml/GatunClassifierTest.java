package dev.gatun.spark.ml;

import dev.gatun.serve.Predictor;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator and its model through Spark ML's API: fit, transform, params, and ML persistence. */
class GatunClassifierTest {
    private static final int FEATURES = 10;
    private static final int CLASSES = 4;
    private static SparkSession spark;
    private static List<Row> rows;
    private static Dataset<Row> frame;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSessions.local(2);
        rows = TestFrames.teacherRows(800, FEATURES, CLASSES, 21);
        frame = TestFrames.frame(spark, rows, 2).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static GatunClassifier classifier() {
        return new GatunClassifier().setLayers(FEATURES, 24, CLASSES).setActivation("tanh").setLearningRate(0.01)
                .setEpochs(6).setBatchSize(64).setSeed(5).setNumPartitions(2);
    }

    @Test
    void fitAndTransformAddTheThreeColumnsAndTheModelLearns() throws Exception {
        GatunClassificationModel model = classifier().fit(frame);
        assertEquals(CLASSES, model.numClasses());
        assertEquals(FEATURES, model.numFeatures());
        assertEquals(6, model.trainingLosses().length);

        List<Row> scored = model.transform(frame).select("features", "label", "rawPrediction", "probability", "prediction")
                .collectAsList();
        assertEquals(rows.size(), scored.size());
        Path file = dir.resolve("model.gatun");
        Files.write(file, model.modelFile());
        int correct = 0;
        try (Predictor predictor = Predictor.load(file)) {
            float[] x = new float[FEATURES];
            float[] expected = new float[CLASSES];
            for (Row row : scored) {
                double[] values = ((Vector) row.get(0)).toArray();
                for (int j = 0; j < FEATURES; j++) {
                    x[j] = (float) values[j];
                }
                predictor.predict(x, expected);
                double[] probability = ((Vector) row.get(3)).toArray();
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    assertEquals(expected[c], probability[c], 1e-5, "probability of class " + c);
                    sum += probability[c];
                }
                assertEquals(1.0, sum, 1e-6);
                int argmax = 0;
                for (int c = 1; c < CLASSES; c++) {
                    argmax = expected[c] > expected[argmax] ? c : argmax;
                }
                assertEquals(argmax, row.getDouble(4), 0.0);
                correct += argmax == (int) row.getDouble(1) ? 1 : 0;
            }
        }
        assertTrue(correct > 0.85 * rows.size(), "training accuracy " + correct + "/" + rows.size());
    }

    @Test
    void savedModelsLoadBackInSparkAndInGatunsPredictor() throws Exception {
        GatunClassificationModel model = classifier().setEpochs(2).fit(frame);
        String path = dir.resolve("saved-model").toString();
        model.write().save(path);
        GatunClassificationModel loaded = GatunClassificationModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertArrayEquals(model.modelFile(), loaded.modelFile());

        List<Row> before = model.transform(frame).select("probability").collectAsList();
        List<Row> after = loaded.transform(frame).select("probability").collectAsList();
        assertEquals(before, after);

        try (Predictor predictor = Predictor.load(Path.of(path, "data", "model.gatun"))) {
            assertEquals(FEATURES, predictor.inputs());
            assertEquals(CLASSES, predictor.outputs());
        }

        String estimatorPath = dir.resolve("saved-estimator").toString();
        GatunClassifier estimator = classifier().setL2(0.25);
        estimator.write().save(estimatorPath);
        GatunClassifier back = GatunClassifier.load(estimatorPath);
        assertArrayEquals(estimator.getLayers(), back.getLayers());
        assertEquals(0.25, (Double) back.getOrDefault(back.l2()));
        assertEquals(estimator.uid(), back.uid());
    }
}

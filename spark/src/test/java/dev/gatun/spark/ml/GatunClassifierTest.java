package dev.gatun.spark.ml;

import dev.gatun.io.ModelIo;
import dev.gatun.nn.BatchNorm;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /**
     * CrossValidator copies a model for every fold and setting: the copies share its broadcast and, in each JVM, its
     * one predictor, rather than one more each for the JVM's life. A row with null features is named.
     */
    @Test
    void copiesShareOnePredictorAndNullFeaturesAreNamed() {
        GatunClassifier estimator = classifier().setEpochs(1);
        GatunClassificationModel model = estimator.fit(frame);
        // Spark's convention (LogisticRegression's, every MLlib estimator's): the model takes its estimator's uid.
        assertEquals(estimator.uid(), model.uid());
        assertEquals(estimator, model.parent());
        Vector features = (Vector) rows.get(0).get(0);
        double[] expected = model.predictRaw(features).toArray();
        int loaded = ExecutorPredictors.loaded();
        for (int i = 0; i < 5; i++) {
            GatunClassificationModel copy = model.copy(org.apache.spark.ml.param.ParamMap.empty());
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, copy.predictRaw(features).toArray(), 0.0);
        }
        assertEquals(loaded, ExecutorPredictors.loaded(), "five copies loaded no predictor of their own");
        String message = assertThrows(IllegalArgumentException.class, () -> model.predictRaw(null)).getMessage();
        assertTrue(message.startsWith("a row's features are null"), message);
    }

    /**
     * Rows the model cannot score (a NaN, a value beyond float32, a vector of the wrong size, and finite values the
     * model's normalisation takes beyond float32, which only the predictor refuses) fail the job by default, are
     * dropped with handleInvalid = skip, and are kept with NaN outputs with keep, never scored as class 0, on every
     * output path Spark takes; valid rows are scored the same in every mode. The estimator hands the setting to the
     * model it fits, and the model keeps it through save and load.
     */
    @Test
    void invalidRowsFailAreSkippedOrKeptAsNaNAsHandleInvalidSays() throws Exception {
        GatunClassificationModel model = classifier().setEpochs(1).setHandleInvalid("keep").fit(frame);
        assertEquals("keep", model.getHandleInvalid(), "handed on by fit");
        List<Row> mixed = new java.util.ArrayList<>(rows.subList(0, 30));
        double[] nan = ((Vector) rows.get(0).get(0)).toArray().clone();
        nan[1] = Double.NaN;
        double[] wide = ((Vector) rows.get(1).get(0)).toArray().clone();
        wide[0] = 1e39;
        mixed.add(org.apache.spark.sql.RowFactory.create(Vectors.dense(nan), 0.0));
        mixed.add(org.apache.spark.sql.RowFactory.create(Vectors.dense(wide), 1.0));
        mixed.add(org.apache.spark.sql.RowFactory.create(Vectors.dense(1, 2), 0.0));
        Dataset<Row> data = TestFrames.frame(spark, mixed, 2);
        int bad = 3;

        GatunClassificationModel failing = model.copy(org.apache.spark.ml.param.ParamMap.empty()).setHandleInvalid("error");
        Exception failed = assertThrows(Exception.class, () -> failing.transform(data).collectAsList());
        assertTrue(String.valueOf(failed.getMessage()).contains("NaN")
                || String.valueOf(failed.getMessage()).contains("features vector of 2 values")
                || String.valueOf(failed.getMessage()).contains("beyond float32")
                || String.valueOf(failed.getMessage()).contains("Infinity"), failed.getMessage());

        java.util.Map<String, double[]> rawOfValid = new java.util.HashMap<>();
        List<Row> skipped = model.copy(org.apache.spark.ml.param.ParamMap.empty()).setHandleInvalid("skip")
                .transform(data).select("features", "rawPrediction", "prediction").collectAsList();
        assertEquals(30, skipped.size());
        for (Row row : skipped) {
            double[] raw = ((Vector) row.get(1)).toArray();
            assertEquals(argmax(raw), row.getDouble(2), 0.0);
            rawOfValid.put(row.get(0).toString(), raw);
        }

        List<Row> kept = model.transform(data).select("features", "rawPrediction", "probability", "prediction")
                .collectAsList();
        assertEquals(30 + bad, kept.size());
        int unscored = 0;
        for (Row row : kept) {
            double[] raw = ((Vector) row.get(1)).toArray();
            double[] validRaw = rawOfValid.get(row.get(0).toString());
            if (validRaw != null) {
                assertArrayEquals(validRaw, raw, 0.0, "a valid row scores the same kept or skipped");
                assertEquals(argmax(raw), row.getDouble(3), 0.0);
                continue;
            }
            unscored++;
            assertTrue(Double.isNaN(row.getDouble(3)), "a kept invalid row's prediction: " + row);
            assertTrue(java.util.Arrays.stream(raw).allMatch(Double::isNaN), "its rawPrediction: " + row);
            assertTrue(java.util.Arrays.stream(((Vector) row.get(2)).toArray()).allMatch(Double::isNaN),
                    "its probability: " + row);
        }
        assertEquals(bad, unscored);

        // Spark's other output paths: prediction alone (predict), and probability alone (probability2prediction).
        GatunClassificationModel fromProbability = model.copy(org.apache.spark.ml.param.ParamMap.empty());
        fromProbability.setRawPredictionCol("");   // prediction from the probabilities: probability2prediction
        assertEquals(bad, fromProbability.transform(data).filter("isnan(prediction)").count());
        GatunClassificationModel predictionOnly = model.copy(org.apache.spark.ml.param.ParamMap.empty());
        predictionOnly.setRawPredictionCol("").setProbabilityCol("");
        assertEquals(bad, predictionOnly.transform(data).filter("isnan(prediction)").count());
        predictionOnly.setHandleInvalid("skip");
        assertEquals(30, predictionOnly.transform(data).count());
        GatunClassificationModel probabilityOnly = model.copy(org.apache.spark.ml.param.ParamMap.empty());
        probabilityOnly.setRawPredictionCol("").setPredictionCol("");
        probabilityOnly.setHandleInvalid("skip");
        assertEquals(30, probabilityOnly.transform(data).count());
        probabilityOnly.setProbabilityCol("");   // no output column: Spark's no-op, rows as they came
        assertEquals(30 + bad, probabilityOnly.transform(data).count());
        assertTrue(Double.isNaN(model.predictRaw(null).apply(0)), "null features kept as NaN");

        // Valid rows a model's layers take beyond float32 (weights at float32's limit): only the predictor refuses
        // them, and they are kept as NaN or skipped too.
        GatunClassificationModel overflowing = new GatunClassificationModel("overflowing", overflowingModelFile(),
                new double[0]);
        Vector valid = (Vector) rows.get(2).get(0);
        assertThrows(IllegalArgumentException.class, () -> overflowing.predictRaw(valid), "refused by default");
        overflowing.setHandleInvalid("keep");
        assertTrue(java.util.Arrays.stream(overflowing.predictRaw(valid).toArray()).allMatch(Double::isNaN));
        overflowing.setHandleInvalid("skip");
        assertEquals(0, overflowing.transform(frame).count(), "every row overflows, so every row is skipped");

        Path saved = dir.resolve("keep-model");
        model.write().save(saved.toString());
        assertEquals("keep", GatunClassificationModel.load(saved.toString()).getHandleInvalid());
        assertThrows(IllegalArgumentException.class, () -> model.setHandleInvalid("drop"));
    }

    /** A model file whose first layer's weights are float32's largest: every row's sums overflow into NaN outputs. */
    private static byte[] overflowingModelFile() throws Exception {
        Path file = Files.createTempFile("overflowing", ".gatun");
        try (Arena arena = Arena.ofConfined();
             Model m = Model.builder(FEATURES).dense(8, dev.gatun.activation.Activation.RELU)
                     .output(CLASSES, dev.gatun.nn.Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena)) {
            m.parameters().getFirst().value().fill(Float.MAX_VALUE);
            ModelIo.save(file, m, dev.gatun.data.Normalization.none(FEATURES), java.util.Map.of());
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int c = 1; c < values.length; c++) {
            best = values[c] > values[best] ? c : best;
        }
        return best;
    }

    /** A finite feature beyond float32's range is named as the row holds it, not as the Infinity it would become. */
    @Test
    void aFeatureBeyondFloat32IsNamedAsGiven() {
        GatunClassificationModel model = classifier().setEpochs(1).fit(frame);
        double[] values = new double[FEATURES];
        values[2] = 1e39;
        String dense = assertThrows(IllegalArgumentException.class, () -> model.predictRaw(Vectors.dense(values))).getMessage();
        assertTrue(dense.startsWith("feature 2 is 1.0E39, beyond float32's range"), dense);
        String sparse = assertThrows(IllegalArgumentException.class,
                () -> model.predictRaw(Vectors.sparse(FEATURES, new int[] {1, 3}, new double[] {0.5, -2e39}))).getMessage();
        assertTrue(sparse.startsWith("feature 3 is -2.0E39, beyond float32's range"), sparse);
    }

    @Test
    void savedModelsLoadBackInSparkAndInGatunsPredictor() throws Exception {
        GatunClassificationModel model = classifier().setEpochs(2).fit(frame);
        String path = dir.resolve("saved-model").toString();
        model.write().save(path);
        GatunClassificationModel loaded = GatunClassificationModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertArrayEquals(model.modelFile(), loaded.modelFile());
        assertEquals(2, model.trainingLosses().length);
        assertArrayEquals(model.trainingLosses(), loaded.trainingLosses(), 0.0, "the losses come back exactly");

        List<Row> before = model.transform(frame).select("probability").collectAsList();
        List<Row> after = loaded.transform(frame).select("probability").collectAsList();
        assertEquals(before, after);

        try (Predictor predictor = Predictor.load(Path.of(path, "data", "model.gatun"))) {
            assertEquals(FEATURES, predictor.inputs());
            assertEquals(CLASSES, predictor.outputs());
        }

        String estimatorPath = dir.resolve("saved-estimator").toString();
        GatunClassifier estimator = classifier().setL2(0.25).setBatchNorm(true).setDropoutKeepProb(0.75)
                .setLearningRateDecay("staircase:0.5:2").setLearningRateDecayPer("step");
        estimator.write().save(estimatorPath);
        GatunClassifier back = GatunClassifier.load(estimatorPath);
        assertArrayEquals(estimator.getLayers(), back.getLayers());
        assertEquals(0.25, (Double) back.getOrDefault(back.l2()));
        assertEquals(true, back.getOrDefault(back.batchNorm()));
        assertEquals(0.75, (Double) back.getOrDefault(back.dropoutKeepProb()));
        assertEquals("staircase:0.5:2", back.getOrDefault(back.learningRateDecay()));
        assertEquals("step", back.getOrDefault(back.learningRateDecayPer()));
        assertEquals(estimator.uid(), back.uid());
    }

    @Test
    void aModelWithBatchNormAndDropoutPredictsInGatunsPredictorAsOnTheDriver() throws Exception {
        GatunClassificationModel model = classifier().setBatchNorm(true).setDropoutKeepProb(0.9).setL2(0).setL1(1e-4)
                .setLearningRateDecay("inverse-time:0.1").fit(frame);
        Path file = dir.resolve("normed.gatun");
        Files.write(file, model.modelFile());
        List<Row> scored = model.transform(frame).select("features", "label", "probability").collectAsList();
        try (Arena arena = Arena.ofConfined(); Predictor predictor = Predictor.load(file)) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            try (Model driver = loaded.model()) {
                assertTrue(driver.layers().stream().anyMatch(l -> l instanceof BatchNorm), "the model has batch norm");
                Tensor X = Tensor.allocate(arena, DType.F32, scored.size(), FEATURES);
                float[] x = new float[FEATURES];
                float[] normalised = new float[FEATURES];
                for (int i = 0; i < scored.size(); i++) {
                    double[] values = ((Vector) scored.get(i).get(0)).toArray();
                    for (int j = 0; j < FEATURES; j++) {
                        x[j] = (float) values[j];
                    }
                    loaded.normalization().apply(x, normalised);
                    for (int j = 0; j < FEATURES; j++) {
                        X.set(i, j, normalised[j]);
                    }
                }
                Tensor probabilities = driver.forward(X, Mode.INFERENCE);
                float[] predicted = new float[CLASSES];
                int correct = 0;
                for (int i = 0; i < scored.size(); i++) {
                    double[] values = ((Vector) scored.get(i).get(0)).toArray();
                    for (int j = 0; j < FEATURES; j++) {
                        x[j] = (float) values[j];
                    }
                    predictor.predict(x, predicted);
                    double[] transformed = ((Vector) scored.get(i).get(2)).toArray();
                    int argmax = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        assertEquals(probabilities.get(i, c), predicted[c], 1e-5, "row " + i + ", class " + c);
                        assertEquals(predicted[c], transformed[c], 1e-5, "row " + i + ", class " + c);
                        argmax = predicted[c] > predicted[argmax] ? c : argmax;
                    }
                    correct += argmax == (int) scored.get(i).getDouble(1) ? 1 : 0;
                }
                assertTrue(correct > 0.8 * scored.size(), "training accuracy " + correct + "/" + scored.size());
            }
        }
    }
}

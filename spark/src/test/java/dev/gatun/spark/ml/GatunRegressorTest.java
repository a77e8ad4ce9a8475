package dev.gatun.spark.ml;

import dev.gatun.serve.Predictor;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The regression estimator and its model through Spark ML's API: fit, transform, params, and ML persistence. */
class GatunRegressorTest {
    private static final int FEATURES = 6;
    private static SparkSession spark;
    private static Dataset<Row> frame;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSessions.local(2);
        SplittableRandom random = new SplittableRandom(31);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            double[] x = new double[FEATURES];
            double y = 3;   // off-centre, so the output's bias matters
            for (int j = 0; j < FEATURES; j++) {
                x[j] = random.nextGaussian();
                y += (j % 3 - 1) * x[j];
            }
            rows.add(RowFactory.create(Vectors.dense(x), y + 0.05 * random.nextGaussian()));
        }
        frame = TestFrames.frame(spark, rows, 2).cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static GatunRegressor regressor() {
        return new GatunRegressor().setLayers(FEATURES, 16, 1).setActivation("tanh").setLearningRate(0.01)
                .setEpochs(8).setBatchSize(32).setSeed(5).setNumPartitions(2);
    }

    @Test
    void fitAndTransformPredictWhatGatunsPredictorPredictsAndTheModelLearns() throws Exception {
        GatunRegressionModel model = regressor().fit(frame);
        assertEquals(FEATURES, model.numFeatures());
        assertEquals(8, model.trainingLosses().length);
        Dataset<Row> scored = model.transform(frame);
        double r2 = new RegressionEvaluator().setMetricName("r2").evaluate(scored);
        assertTrue(r2 > 0.95, "training R² " + r2);
        Path file = dir.resolve("model.gatun");
        Files.write(file, model.modelFile());
        try (Predictor predictor = Predictor.load(file)) {
            float[] x = new float[FEATURES];
            float[] expected = new float[1];
            for (Row row : scored.select("features", "prediction").collectAsList()) {
                double[] values = ((Vector) row.get(0)).toArray();
                for (int j = 0; j < FEATURES; j++) {
                    x[j] = (float) values[j];
                }
                predictor.predict(x, expected);
                assertEquals(expected[0], row.getDouble(1), 0.0);
            }
        }
    }

    @Test
    void savedModelsAndEstimatorsLoadBack() throws Exception {
        GatunRegressionModel model = regressor().setEpochs(2).fit(frame);
        String path = dir.resolve("saved-model").toString();
        model.write().save(path);
        GatunRegressionModel loaded = GatunRegressionModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertArrayEquals(model.modelFile(), loaded.modelFile());
        assertArrayEquals(model.trainingLosses(), loaded.trainingLosses(), 0.0);
        assertEquals(model.transform(frame).select("prediction").collectAsList(),
                loaded.transform(frame).select("prediction").collectAsList());

        String estimatorPath = dir.resolve("saved-estimator").toString();
        GatunRegressor estimator = regressor().setL1(0.01).setBatchNorm(true).setLearningRateDecay("exponential:0.9");
        estimator.write().save(estimatorPath);
        GatunRegressor back = GatunRegressor.load(estimatorPath);
        assertArrayEquals(estimator.getLayers(), back.getLayers());
        assertEquals(0.01, (Double) back.getOrDefault(back.l1()));
        assertEquals(true, back.getOrDefault(back.batchNorm()));
        assertEquals("exponential:0.9", back.getOrDefault(back.learningRateDecay()));
        assertEquals(estimator.uid(), back.uid());
    }

    /**
     * Spark finds the shared params through the estimator's public methods, as copies and grids need; a
     * cross-validated grid picks the rate that learns; the estimators serialise, as Spark's params must.
     */
    @Test
    void theSharedParamsAreTheEstimatorsOwn() throws Exception {
        GatunRegressor estimator = regressor();
        List<String> names = Arrays.stream(estimator.params()).map(Param::name).toList();
        for (String name : List.of("layers", "learningRate", "epochs", "batchSize", "numPartitions", "featuresCol",
                "labelCol", "predictionCol")) {
            assertTrue(names.contains(name), name + " in " + names);
        }
        GatunRegressor copy = estimator.copy(new ParamMap().put(estimator.learningRate(), 0.05));
        assertEquals(0.05, (Double) copy.getOrDefault(copy.learningRate()));
        assertEquals(0.01, (Double) estimator.getOrDefault(estimator.learningRate()));
        assertArrayEquals(estimator.getLayers(), copy.getLayers());

        GatunRegressor twoEpochs = regressor().setEpochs(2);
        CrossValidatorModel chosen = new CrossValidator().setEstimator(twoEpochs)
                .setEstimatorParamMaps(new ParamGridBuilder().addGrid(twoEpochs.learningRate(), new double[] {1e-5, 0.01})
                        .build())
                .setEvaluator(new RegressionEvaluator().setMetricName("rmse")).setNumFolds(2).setSeed(1).fit(frame);
        assertTrue(chosen.avgMetrics()[1] < chosen.avgMetrics()[0], "RMSE by rate " + Arrays.toString(chosen.avgMetrics()));
        assertEquals(0.01, (Double) ((GatunRegressionModel) chosen.bestModel()).parent()
                .getOrDefault(twoEpochs.learningRate()));

        for (Object params : List.of(estimator, GatunClassifierTest.classifier())) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(params);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                GatunNetworkParams<?> back = (GatunNetworkParams<?>) in.readObject();
                assertArrayEquals(((GatunNetworkParams<?>) params).getLayers(), back.getLayers());
            }
        }
    }

    /**
     * A row the model cannot score fails the job naming it, is dropped, or is kept with a NaN prediction, as
     * handleInvalid says; the estimator hands its setting to the model.
     */
    @Test
    void invalidRowsFailAreSkippedOrKeptAsNaNAsHandleInvalidSays() {
        GatunRegressionModel model = regressor().setEpochs(1).setHandleInvalid("keep").fit(frame);
        assertEquals("keep", model.getHandleInvalid());
        Dataset<Row> mixed = spark.createDataFrame(List.of(
                RowFactory.create(Vectors.dense(new double[FEATURES]), 1.0),
                RowFactory.create(null, 1.0),
                RowFactory.create(Vectors.dense(1, 2), 1.0),
                RowFactory.create(Vectors.dense(Double.NaN, 0, 0, 0, 0, 0), 1.0),
                RowFactory.create(Vectors.dense(1e39, 0, 0, 0, 0, 0), 1.0)), TestFrames.schema());
        List<Row> kept = model.transform(mixed).select("prediction").collectAsList();
        assertEquals(5, kept.size());
        assertTrue(Double.isFinite(kept.get(0).getDouble(0)), "the valid row is scored");
        for (int i = 1; i < 5; i++) {
            assertTrue(Double.isNaN(kept.get(i).getDouble(0)), "row " + i + " kept as NaN: " + kept.get(i));
        }
        List<Row> skipped = model.setHandleInvalid("skip").transform(mixed).select("prediction").collectAsList();
        assertEquals(List.of(kept.get(0)), skipped);
        String message = assertThrows(org.apache.spark.SparkException.class,
                () -> model.setHandleInvalid("error").transform(mixed).collectAsList()).getMessage();
        assertTrue(message.contains("a row's features are null") || message.contains("features vector of 2 values")
                || message.contains("feature 0 is"), message);
    }

    /** Each model serves its own kind of model file; a regressor's layers end in one output. */
    @Test
    void eachModelServesItsOwnKindOfFileAndARegressorHasOneOutput() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> new GatunRegressor().setLayers(FEATURES, 8, 2).plan()).getMessage();
        assertTrue(message.contains("a regression has one output, so the last width must be 1"), message);
        byte[] classifier = GatunClassifierTest.classifier().setEpochs(1).fit(TestFrames.frame(spark,
                TestFrames.teacherRows(200, 10, 4, 3), 2)).modelFile();
        message = assertThrows(IllegalArgumentException.class,
                () -> new GatunRegressionModel("r", classifier, new double[0])).getMessage();
        assertTrue(message.contains("GatunRegressionModel serves regressions of one output trained with mean squared"
                + " error; this model file has 4 outputs trained with softmax cross-entropy"), message);
        byte[] regression = regressor().setEpochs(1).fit(frame).modelFile();
        message = assertThrows(IllegalArgumentException.class,
                () -> new GatunClassificationModel("c", regression, new double[0])).getMessage();
        assertTrue(message.contains("GatunClassificationModel serves classifiers trained with softmax cross-entropy;"
                + " this model file has 1 output trained with mean squared error"), message);
        message = assertThrows(org.apache.spark.SparkException.class, () -> new GatunRegressionModel("r", regression,
                new double[0]).transform(spark.createDataFrame(List.of(RowFactory.create(null, 0.0)),
                TestFrames.schema())).collectAsList()).getMessage();
        assertTrue(message.contains("a row's features are null; the model takes a vector of " + FEATURES + " values"),
                message);
    }
}

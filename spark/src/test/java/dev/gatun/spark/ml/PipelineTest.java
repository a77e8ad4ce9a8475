package dev.gatun.spark.ml;

import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classifier as a stage of a Pipeline after a VectorAssembler (plain numeric columns in), tuned by a
 * CrossValidator over a ParamGridBuilder grid, and the fitted pipeline saved and loaded.
 */
class PipelineTest {
    private static final int FEATURES = 4;

    @TempDir
    Path dir;

    /** The teacher's rows as four double columns and a label, as a table would hold them. */
    private static Dataset<Row> columns(SparkSession spark) {
        StructType schema = new StructType();
        for (int j = 0; j < FEATURES; j++) {
            schema = schema.add("x" + j, DataTypes.DoubleType);
        }
        schema = schema.add("label", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (Row row : TestFrames.teacherRows(600, FEATURES, 3, 17)) {
            double[] x = ((Vector) row.get(0)).toArray();
            rows.add(RowFactory.create(x[0], x[1], x[2], x[3], row.getDouble(1)));
        }
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void crossValidatedPipelineChoosesTheRateThatLearns() throws Exception {
        try (SparkSession spark = TestSessions.local(2)) {
            Dataset<Row> data = columns(spark).cache();
            VectorAssembler assembler = new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3"})
                    .setOutputCol("features");
            GatunClassifier classifier = new GatunClassifier().setLayers(FEATURES, 12, 3).setActivation("tanh")
                    .setEpochs(3).setBatchSize(32).setNumPartitions(2).setSeed(2);
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, classifier});
            // 1e-6 barely moves the weights in three epochs; 3e-2 learns: the search must tell them apart.
            ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.learningRate(), new double[] {1e-6, 3e-2}).build();
            MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
            CrossValidatorModel tuned = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(grid)
                    .setEvaluator(accuracy).setNumFolds(2).setSeed(3).fit(data);

            double[] metrics = tuned.avgMetrics();
            assertEquals(2, metrics.length);
            assertTrue(metrics[1] > metrics[0] + 0.2, "cross-validated accuracy of 1e-6 and 3e-2: " + metrics[0] + ", " + metrics[1]);
            PipelineModel best = (PipelineModel) tuned.bestModel();
            GatunClassificationModel model = (GatunClassificationModel) best.stages()[1];
            GatunClassifier chosen = (GatunClassifier) model.parent();
            assertEquals(3e-2, (Double) chosen.getOrDefault(chosen.learningRate()));
            assertTrue(accuracy.evaluate(best.transform(data)) > 0.8);

            String path = dir.resolve("pipeline").toString();
            best.write().save(path);
            PipelineModel loaded = PipelineModel.load(path);
            assertEquals(best.transform(data).select("probability").collectAsList(),
                    loaded.transform(data).select("probability").collectAsList());
            assertEquals(model.uid(), loaded.stages()[1].uid());
        }
    }
}

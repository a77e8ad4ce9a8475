package dev.gatun.spark.ml;

import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestSessions;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad input stops fit with one exception that says what is wrong and where: the row by its position in the
 * input DataFrame, or the partition.
 */
class BadInputTest {
    private static final int FEATURES = 5;
    private static final int CLASSES = 3;
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSessions.local(2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** 40 good rows with row {@code index} replaced; built without a shuffle, so positions in the input are list positions. */
    private static Dataset<Row> withRow(int index, Row bad) {
        List<Row> rows = new ArrayList<>(TestFrames.teacherRows(40, FEATURES, CLASSES, 3));
        rows.set(index, bad);
        return spark.createDataFrame(rows, TestFrames.schema());
    }

    private static String fitFails(Class<? extends Exception> kind, Dataset<Row> data, int partitions) {
        GatunClassifier classifier = new GatunClassifier().setLayers(FEATURES, 4, CLASSES).setEpochs(1)
                .setBatchSize(8).setNumPartitions(partitions);
        return assertThrows(kind, () -> classifier.fit(data)).getMessage();
    }

    /**
     * {@link #fitFails}, checking that no Spark job started: Spark's own count of the jobs it has submitted, read
     * synchronously (the listener bus reports them late).
     */
    private static String fitFailsBeforeAnyJob(Dataset<Row> data, int partitions) {
        int before = spark.sparkContext().dagScheduler().nextJobId().get();
        String message = fitFails(IllegalArgumentException.class, data, partitions);
        assertEquals(before, spark.sparkContext().dagScheduler().nextJobId().get(), "jobs started before: " + message);
        return message;
    }

    private static void assertSays(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }

    @Test
    void aNullFeatureVectorNamesItsRow() {
        assertSays(fitFails(IllegalArgumentException.class, withRow(5, RowFactory.create(null, 1.0)), 2),
                "row 5", "features", "null");
    }

    @Test
    void aNaNFeatureNamesItsRowAndFeature() {
        Row bad = RowFactory.create(Vectors.dense(1, 2, 3, Double.NaN, 5), 0.0);
        assertSays(fitFails(IllegalArgumentException.class, withRow(7, bad), 2), "row 7", "feature 3", "NaN");
    }

    @Test
    void aVectorOfTheWrongSizeNamesItsRow() {
        Row bad = RowFactory.create(Vectors.dense(1, 2, 3), 0.0);
        assertSays(fitFails(IllegalArgumentException.class, withRow(2, bad), 2), "row 2", "has 3 values", "takes 5");
    }

    @Test
    void aLabelOutOfRangeNamesItsRow() {
        Row bad = RowFactory.create(Vectors.dense(1, 2, 3, 4, 5), 2.5);
        assertSays(fitFails(IllegalArgumentException.class, withRow(4, bad), 2), "row 4", "label 2.5", "[0, 3)");
    }

    @Test
    void anEmptyPartitionIsNamed() {
        Dataset<Row> oneRow = spark.createDataFrame(TestFrames.teacherRows(1, FEATURES, CLASSES, 3), TestFrames.schema());
        assertSays(fitFails(IllegalArgumentException.class, oneRow, 2), "of 2 holds no rows", "fewer partitions");
    }

    @Test
    void aBadAttemptsSettingIsNamedBeforeAnyJob() {
        spark.conf().set(dev.gatun.spark.train.DistributedTrainer.ATTEMPTS_SETTING, "0");
        try {
            assertSays(fitFailsBeforeAnyJob(withRow(0, TestFrames.teacherRows(1, FEATURES, CLASSES, 9).get(0)), 2),
                    "spark.gatun.fit.attempts = '0'", "whole number >= 1");
        } finally {
            spark.conf().unset(dev.gatun.spark.train.DistributedTrainer.ATTEMPTS_SETTING);
        }
    }

    @Test
    void morePartitionsThanTaskSlotsIsRefusedBeforeAnyJob() {
        assertSays(fitFailsBeforeAnyJob(withRow(0, TestFrames.teacherRows(1, FEATURES, CLASSES, 9).get(0)), 3),
                "3 partitions", "2 task slots");
    }

    @Test
    void badRegularizationAndDecayParamsAreRefusedByNameBeforeAnyJob() {
        GatunClassifier classifier = new GatunClassifier().setLayers(FEATURES, 4, CLASSES);
        assertSays(assertThrows(IllegalArgumentException.class, () -> classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .setL2(0.1).setL1(0.1).plan()).getMessage(), "l2 or l1, not both");
        assertSays(assertThrows(IllegalArgumentException.class, () -> classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .setLearningRateDecay("exponential").plan()).getMessage(), "learningRateDecay 'exponential' is malformed");
        assertSays(assertThrows(IllegalArgumentException.class, () -> classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .setLearningRateDecay("exponential:2").plan()).getMessage(), "learningRateDecay 'exponential:2'", "(0, 1]");
        assertSays(assertThrows(IllegalArgumentException.class, () -> classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .setLearningRateDecayPer("batch").plan()).getMessage(), "learningRateDecayPer 'batch'", "epoch or step");
        assertThrows(IllegalArgumentException.class, () -> classifier.setDropoutKeepProb(0.0));
        // Batch norm over one row: variance 0, beta alone, a running variance of ~0 (one process refuses it too).
        assertSays(assertThrows(IllegalArgumentException.class, () -> classifier.copy(new org.apache.spark.ml.param.ParamMap())
                .setBatchNorm(true).setBatchSize(1).plan()).getMessage(), "batch norm needs at least 2 rows");
    }
}

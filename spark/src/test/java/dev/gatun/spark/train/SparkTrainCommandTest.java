package dev.gatun.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatun.serve.Predictor;
import dev.gatun.spark.TestCommands;
import dev.gatun.spark.TestFrames;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gatun train --spark local[2]} on a small CSV table, beside the same command without {@code --spark}: the
 * epoch lines have the same shape, the JSON object holds the same keys plus a {@code spark} object, and the model
 * file it writes loads in {@link Predictor} and classifies the table.
 */
class SparkTrainCommandTest {
    @TempDir
    Path folder;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void trainsThroughSparkAndReportsAsGatunTrainDoes() throws Exception {
        List<Row> rows = TestFrames.teacherRows(800, 8, 3, 17);
        Path model = folder.resolve("spark.gatun");
        List<String> common = trainOn(rows, 4);

        Output localRun = run(common, List.of("--out", folder.resolve("local.gatun").toString()));
        JsonNode local = localRun.json();
        Output sparkRun = runOnSpark(common, model);
        JsonNode spark = sparkRun.json();
        assertEquals(4, localRun.epochLineShapes().size(), localRun.text());
        assertEquals(localRun.epochLineShapes(), sparkRun.epochLineShapes(),
                "the epoch lines of gatun train --spark read as gatun train's (every epoch with its accuracies)");

        Set<String> expected = keys(local);
        expected.add("spark");
        assertEquals(expected, keys(spark), "the JSON keys of gatun train, plus spark");
        JsonNode details = spark.get("spark");
        assertEquals("local[2]", details.get("master").asText());
        assertEquals(2, details.get("partitions").asInt());
        // 8-64-3: (8+1)·64 + (64+1)·3 = 771 gradient floats (and the loss); each replica sends 2(P−1)/P of them.
        assertTrue(details.get("allreduce_bytes_per_step").asLong() >= 771 * 4, details.toString());
        assertEquals(4, details.get("allreduce_seconds_per_epoch").size());
        assertEquals(4, spark.get("history").size());
        assertEquals("completed", spark.get("outcome").asText());
        assertTrue(spark.get("test_accuracy").asDouble() > 0.85, "test accuracy " + spark.get("test_accuracy"));
        assertTrue(spark.get("history").get(3).get("train_loss").asDouble()
                < spark.get("history").get(0).get("train_loss").asDouble(), "the loss falls: " + spark.get("history"));
        assertEquals(model.toString(), spark.get("model").asText());

        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(8, predictor.inputs());
            List<String> classes = predictor.metadata().classNames();
            int right = 0;
            for (Row row : rows) {
                double[] x = ((Vector) row.get(0)).toArray();
                float[] in = new float[x.length];
                for (int j = 0; j < x.length; j++) {
                    in[j] = (float) x[j];
                }
                String predicted = classes.get(predictor.classify(in));
                right += predicted.equals(Integer.toString((int) row.getDouble(1))) ? 1 : 0;
            }
            assertTrue(right > 0.85 * rows.size(), right + " of " + rows.size() + " rows classified right");
        }
    }

    /**
     * {@code --task regression} through Spark: the epoch lines and JSON keys of the same command without
     * {@code --spark}, a test R² above 0.9 on a linear target, and a model file of one output.
     */
    /**
     * A run whose loss stops being finite fails naming the epoch and what to change, as one process stops at the
     * step; it does not train on, evaluate and write a model of NaN weights.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aDivergedRunFailsNamingTheEpoch() throws Exception {
        StringBuilder csv = new StringBuilder("x0,x1,y\n");
        java.util.SplittableRandom random = new java.util.SplittableRandom(29);
        for (int i = 0; i < 200; i++) {
            csv.append((float) random.nextGaussian()).append(',').append((float) random.nextGaussian()).append(',')
                    .append((float) (1e30 * random.nextGaussian())).append('\n');
        }
        Path data = java.nio.file.Files.writeString(folder.resolve("huge.csv"), csv);
        TestCommands.Printed printed = TestCommands.run(List.of("train", "--data", data.toString(), "--label", "y",
                "--task", "regression", "--epochs", "3", "--batch", "32", "--lr", "1", "--seed", "5", "--spark",
                "local[2]", "--partitions", "2", "--out", folder.resolve("huge.gatun").toString()));
        assertTrue(printed.exit() != 0, printed.out() + printed.err());
        assertTrue(printed.err().contains("training diverged in epoch 1 (learning rate 1.00): its training loss is"),
                printed.err());
        // Targets of 1e30 diverge in epoch 1 whatever the rate: the scale of the data is named too.
        assertTrue(printed.err().contains("lower --lr (or add decay), or if it is already small, look at the scale of"
                + " the features (--normalize), of regression targets and of the penalty (--l2, --l1)"), printed.err());
        assertTrue(!java.nio.file.Files.exists(folder.resolve("huge.gatun")), "no model of diverged weights");
    }

    /**
     * A plan Spark cannot train (batch norm on batches of one row) is refused before a session starts: the master
     * named here has nothing listening, so a run that started a session first would fail on the cluster instead,
     * after waiting for executors that never come.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aPlanSparkCannotTrainIsRefusedBeforeASessionStarts() throws Exception {
        Path data = linearCsv();
        TestCommands.Printed printed = TestCommands.run(List.of("train", "--data", data.toString(), "--label", "y",
                "--task", "regression", "--epochs", "1", "--batch", "1", "--batchnorm", "--spark",
                "spark://127.0.0.1:9", "--partitions", "2", "--out", folder.resolve("never.gatun").toString()));
        assertTrue(printed.exit() != 0, printed.out() + printed.err());
        assertTrue(printed.err().contains("batch norm needs at least 2 rows per global batch to estimate a variance, got"
                + " a batch size of 1"), printed.err());
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void trainsARegressionThroughSparkAndReportsAsGatunTrainDoes() throws Exception {
        List<String> common = regressionOn(linearCsv(), 6);
        Output localRun = run(common, List.of("--out", folder.resolve("local.gatun").toString()));
        Path model = folder.resolve("spark.gatun");
        Output sparkRun = runOnSpark(common, model);
        JsonNode local = localRun.json();
        JsonNode spark = sparkRun.json();
        assertEquals(6, localRun.epochLineShapes().size(), localRun.text());
        assertEquals(localRun.epochLineShapes(), sparkRun.epochLineShapes(), sparkRun.text());
        Set<String> expected = keys(local);
        expected.add("spark");
        assertEquals(expected, keys(spark), "the JSON keys of gatun train, plus spark");
        double r2 = spark.get("test_r2").asDouble();
        assertTrue(r2 > 0.9, "test R² " + r2 + " (" + local.get("test_r2") + " without --spark)");
        assertTrue(spark.get("history").get(5).get("train_loss").asDouble()
                < spark.get("history").get(0).get("train_loss").asDouble(), "the loss falls: " + spark.get("history"));
        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(1, predictor.outputs());
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void batchNormDropoutL1AndDecayTrainThroughSpark() throws Exception {
        Path model = folder.resolve("normed.gatun");
        List<String> args = new ArrayList<>(trainOn(TestFrames.teacherRows(600, 8, 3, 19), 3));
        args.addAll(List.of("--batchnorm", "--dropout", "0.9", "--l1", "0.0001", "--decay", "inverse-time:0.5",
                "--decay-per", "epoch"));
        JsonNode spark = runOnSpark(args, model).json();
        assertEquals("completed", spark.get("outcome").asText());
        JsonNode history = spark.get("history");
        assertEquals(3, history.size());
        for (int e = 0; e < 3; e++) {
            // α₀/(1 + k·epoch), epochs counted from 1
            assertEquals(0.01 / (1 + 0.5 * (e + 1)), history.get(e).get("learning_rate").asDouble(), 1e-12,
                    "epoch " + (e + 1) + "'s rate");
        }
        assertTrue(spark.get("test_accuracy").asDouble() > 0.8, "test accuracy " + spark.get("test_accuracy"));
        JsonNode config = spark.get("config");
        assertTrue(config.get("batchnorm").asBoolean(), config.toString());
        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(8, predictor.inputs());
        }
    }

    /**
     * Two epochs with a checkpoint (OUT.checkpoint, as gatun train writes it), resumed to four, end with the model
     * of an uninterrupted four-epoch run, bit for bit: the replicas start from the checkpoint's weights and
     * optimizer state, the batch order follows the epoch, and the decay per step and the dropout masks follow
     * the restored step counter.
     */
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        List<Row> rows = TestFrames.teacherRows(600, 8, 3, 23);
        List<String> options = List.of("--dropout", "0.9", "--decay", "exponential:0.99", "--decay-per", "step");
        Path whole = folder.resolve("whole.gatun");
        List<String> fourEpochs = new ArrayList<>(trainOn(rows, 4));
        fourEpochs.addAll(options);
        JsonNode uninterrupted = runOnSpark(fourEpochs, whole).json();

        Path part = folder.resolve("part.gatun");
        List<String> twoEpochs = new ArrayList<>(trainOn(rows, 2));
        twoEpochs.addAll(options);
        JsonNode first = runOnSpark(twoEpochs, part).json();
        Path checkpoint = Path.of(part + ".checkpoint");
        assertTrue(java.nio.file.Files.exists(checkpoint), "gatun train --spark --out writes OUT.checkpoint");

        Path resumedModel = folder.resolve("resumed.gatun");
        Output resumedRun = runOnSpark(List.of("train", "--resume", checkpoint.toString(), "--epochs", "4", "--json"),
                resumedModel);
        JsonNode resumed = resumedRun.json();
        assertEquals(2, resumedRun.epochLineShapes().size(), "epochs 3 and 4 only: " + resumedRun.text());
        JsonNode history = resumed.get("history");
        assertEquals(4, history.size());
        for (int e = 0; e < 4; e++) {
            JsonNode expected = (e < 2 ? first : uninterrupted).get("history").get(e);
            assertEquals(expected.get("train_loss").asDouble(), history.get(e).get("train_loss").asDouble(), 0.0,
                    "epoch " + (e + 1) + "'s loss");
        }
        assertEquals(uninterrupted.get("test_accuracy").asDouble(), resumed.get("test_accuracy").asDouble(), 0.0);
        assertSameProbabilities(whole, resumedModel, rows, "the resumed model's probabilities are the uninterrupted one's");
    }

    /**
     * Early stopping on Spark follows gatun train's rule: the driver evaluates the dev set after each epoch, and
     * after {@code patience} epochs without a better dev loss the replicas stop together; the run's model is the
     * best epoch's (the same weights as the checkpoint's best-weights file), and its checkpoint says it stopped
     * early, so resuming it is refused.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void earlyStoppingStopsTheReplicasAndKeepsTheBestEpoch() throws Exception {
        List<Row> rows = TestFrames.teacherRows(400, 8, 3, 31);
        int patience = 2;
        List<String> args = new ArrayList<>(trainOn(rows, 30));
        args.addAll(List.of("--dev", "80", "--lr", "0.05", "--early-stop", Integer.toString(patience)));
        Path model = folder.resolve("early.gatun");
        Output output = runOnSpark(args, model);
        JsonNode json = output.json();
        JsonNode history = json.get("history");
        assertEquals("early_stopped", json.get("outcome").asText(), output.text());
        assertTrue(history.size() < 30, "stopped before the last epoch: " + history.size());
        assertEquals(history.size(), output.epochLineShapes().size(), "one line per epoch trained: " + output.text());
        int best = 1;
        for (int e = 1; e <= history.size(); e++) {
            if (history.get(e - 1).get("dev_loss").asDouble() < history.get(best - 1).get("dev_loss").asDouble()) {
                best = e;
            }
        }
        assertEquals(best, json.get("best_epoch").asInt(), "the best epoch is the one with the lowest dev loss");
        assertEquals(best + patience, history.size(), "stopped " + patience + " epochs after the best");
        assertSameProbabilities(Path.of(model + ".checkpoint.best"), model, rows, "the model written is the best epoch's");
        TestCommands.Printed resumed = TestCommands.run(List.of("train", "--resume", model + ".checkpoint", "--epochs",
                "40", "--spark", "local[2]"));
        assertEquals(1, resumed.exit(), resumed.out() + resumed.err());
        assertTrue(resumed.err().contains("stopped early"), resumed.err());
    }

    /** The two 8-input, 3-class models give the same probabilities, bit for bit, on the first 50 of {@code rows}. */
    private static void assertSameProbabilities(Path expected, Path actual, List<Row> rows, String message) {
        try (Predictor a = Predictor.load(expected); Predictor b = Predictor.load(actual)) {
            float[] in = new float[8];
            float[] outA = new float[3];
            float[] outB = new float[3];
            for (Row row : rows.subList(0, 50)) {
                double[] x = ((Vector) row.get(0)).toArray();
                for (int j = 0; j < 8; j++) {
                    in[j] = (float) x[j];
                }
                a.predict(in, outA);
                b.predict(in, outB);
                assertArrayEquals(outA, outB, message);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A regression resumed from its checkpoint through Spark ends where the uninterrupted run does, bit for bit. */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aResumedRegressionEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path data = linearCsv();
        JsonNode uninterrupted = runOnSpark(regressionOn(data, 4), folder.resolve("whole.gatun")).json();
        Path part = folder.resolve("part.gatun");
        JsonNode first = runOnSpark(regressionOn(data, 2), part).json();
        Output resumedRun = runOnSpark(List.of("train", "--resume", part + ".checkpoint", "--epochs", "4", "--json"),
                folder.resolve("resumed.gatun"));
        JsonNode resumed = resumedRun.json();
        assertEquals(2, resumedRun.epochLineShapes().size(), "epochs 3 and 4 only: " + resumedRun.text());
        for (int e = 0; e < 4; e++) {
            JsonNode expected = (e < 2 ? first : uninterrupted).get("history").get(e);
            assertEquals(expected.get("train_loss").asDouble(), resumed.get("history").get(e).get("train_loss").asDouble(),
                    0.0, "epoch " + (e + 1) + "'s loss");
        }
        for (String figure : List.of("test_rmse", "test_mae", "test_r2")) {
            assertEquals(uninterrupted.get(figure).asDouble(), resumed.get(figure).asDouble(), 0.0, figure);
        }
    }

    /** 800 rows of 8 gaussian features and a target linear in them, with a little noise, as a CSV file. */
    private Path linearCsv() throws java.io.IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(23);
        StringBuilder csv = new StringBuilder("x0,x1,x2,x3,x4,x5,x6,x7,y\n");
        for (int i = 0; i < 800; i++) {
            double y = 0;
            for (int j = 0; j < 8; j++) {
                double x = random.nextGaussian();
                y += 0.5 * (j % 3 - 1) * x;
                csv.append((float) x).append(',');
            }
            csv.append((float) (y + 0.1 * random.nextGaussian())).append('\n');
        }
        return java.nio.file.Files.writeString(folder.resolve("linear.csv"), csv);
    }

    /** {@code gatun train --task regression} on {@code data}'s target y: a fifth for testing, batches of 32, JSON out. */
    private static List<String> regressionOn(Path data, int epochs) {
        return List.of("train", "--data", data.toString(), "--label", "y", "--task", "regression", "--test-split", "0.2",
                "--epochs", Integer.toString(epochs), "--batch", "32", "--lr", "0.01", "--seed", "5", "--json");
    }

    /** {@code gatun train} on {@code rows} written to a CSV file: a fifth for testing, batches of 32, JSON out. */
    private List<String> trainOn(List<Row> rows, int epochs) throws Exception {
        Path csv = TestFrames.writeCsv(rows, folder.resolve("teacher.csv"));
        return List.of("train", "--data", csv.toString(), "--label", "label", "--test-split", "0.2", "--epochs",
                Integer.toString(epochs), "--batch", "32", "--lr", "0.01", "--seed", "5", "--json");
    }

    /** {@code common} with {@code --spark local[2] --partitions 2 --out model}: what it printed. */
    private static Output runOnSpark(List<String> common, Path model) throws Exception {
        // The session the command starts reads spark.* system properties: no web UI, so nothing listens beyond loopback.
        System.setProperty("spark.ui.enabled", "false");
        try {
            return run(common, List.of("--spark", "local[2]", "--partitions", "2", "--out", model.toString()));
        } finally {
            System.clearProperty("spark.ui.enabled");
        }
    }

    /** What the command printed: its JSON object on stdout, and its text (on stderr, with --json). */
    private record Output(JsonNode json, String text) {
        /** The per-epoch lines, with every number replaced by #: their shape. */
        List<String> epochLineShapes() {
            return text.lines().filter(line -> line.matches("epoch \\d+: .*"))
                    .map(line -> line.replaceAll("[0-9][0-9,.]*", "#")).toList();
        }
    }

    /** Runs the gatun command. */
    private static Output run(List<String> common, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(common);
        args.addAll(extra);
        TestCommands.Printed printed = TestCommands.run(args);
        assertEquals(0, printed.exit(), "gatun " + args + " printed " + printed.out() + "\n" + printed.err());
        return new Output(new ObjectMapper().readTree(printed.out()), printed.err());
    }

    private static Set<String> keys(JsonNode object) {
        Set<String> keys = new HashSet<>();
        object.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}

package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.nn.Loss;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.BeforeAll;
import dev.gatun.train.Evaluator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EvalCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    @BeforeAll
    static void trainAModel() throws IOException {
        model = TrainedClassifier.write(dir);
        data = dir.resolve("data");
    }

    private static CommandRun eval(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "eval";
        System.arraycopy(args, 0, all, 1, args.length);
        return CommandRun.gatun(all);
    }

    private static String lastLine(String out) {
        return out.strip().lines().reduce((a, b) -> b).orElseThrow();
    }

    private static double number(Object o) {
        return ((Number) o).doubleValue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void accuracyMatchesAnIndependentCountAndTheJsonAddsUp() throws IOException {
        Path plots = dir.resolve("plots");
        CommandRun run = eval("--model", model.toString(), "--data", data.toString(), "--json",
                "--plots", plots.toString());
        assertEquals(0, run.exit(), run.err());
        Map<String, Object> json = MiniJson.object(lastLine(run.out()));
        try (MnistDirectory mnist = LearnableData.load(data)) {
            DataSet test = mnist.test();
            int[] predicted = TrainedClassifier.classify(model, test);
            int correct = 0;
            long[][] expected = new long[LearnableData.CLASSES][LearnableData.CLASSES];
            for (int i = 0; i < test.size(); i++) {
                correct += predicted[i] == test.label(i) ? 1 : 0;
                expected[test.label(i)][predicted[i]]++;
            }
            assertTrue(correct > 0.8 * test.size(), "the model learned the task: " + correct + "/" + test.size());
            assertEquals((double) correct / test.size(), number(json.get("accuracy")), 1e-12, run.out());
            assertEquals(test.size(), number(json.get("count")));
            assertTrue(number(json.get("loss")) > 0 && number(json.get("loss")) < 1.5, run.out());
            List<List<Object>> confusion = (List<List<Object>>) json.get("confusion");
            List<Map<String, Object>> perClass = (List<Map<String, Object>>) json.get("per_class");
            assertEquals(LearnableData.CLASSES, confusion.size());
            assertEquals(LearnableData.CLASSES, perClass.size());
            int[] supports = test.classCounts();
            for (int k = 0; k < LearnableData.CLASSES; k++) {
                long rowSum = 0;
                long colSum = 0;
                for (int p = 0; p < LearnableData.CLASSES; p++) {
                    assertEquals(expected[k][p], (long) number(confusion.get(k).get(p)), "cell " + k + "," + p);
                    rowSum += (long) number(confusion.get(k).get(p));
                    colSum += (long) number(confusion.get(p).get(k));
                }
                Map<String, Object> c = perClass.get(k);
                assertEquals(k, number(c.get("class")));
                assertEquals(supports[k], rowSum, "row " + k + " sums to the class's support");
                assertEquals(supports[k], number(c.get("support")));
                double diagonal = expected[k][k];
                double precision = diagonal / colSum;
                double recall = diagonal / supports[k];
                assertEquals(precision, number(c.get("precision")), 1e-12);
                assertEquals(recall, number(c.get("recall")), 1e-12);
                assertEquals(2 * precision * recall / (precision + recall), number(c.get("f1")), 1e-12);
            }
        }
        assertTrue(run.err().contains("confusion matrix (rows: actual, columns: predicted)"), run.err());
        assertTrue(run.err().contains("precision"), run.err());
        byte[] png = Files.readAllBytes(plots.resolve("confusion-matrix.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3));
    }

    /**
     * {@code --row-weights} serves every row through the single-row kernel: against a plain double-precision forward
     * pass over the model's weights, as they are (float32) and rounded to bfloat16 by nearest-even. Each run's
     * accuracy and loss match its own reference, and the bfloat16 run's loss is nearer its reference than the float32
     * one: the weights were rounded.
     */
    @Test
    void rowWeightsServeEachRowThroughTheRowKernelWithTheWeightsRounded() throws IOException {
        double[][] exact;
        double[][] rounded;
        try (MnistDirectory mnist = LearnableData.load(data)) {
            exact = naiveAccuracyAndLoss(mnist.test(), false);
            rounded = naiveAccuracyAndLoss(mnist.test(), true);
        }
        for (String format : List.of("float32", "bfloat16")) {
            CommandRun run = eval("--model", model.toString(), "--data", data.toString(), "--row-weights", format, "--json");
            assertEquals(0, run.exit(), run.err());
            Map<String, Object> json = MiniJson.object(lastLine(run.out()));
            assertEquals(format, json.get("row_weights"));
            assertTrue(run.err().contains("served    row by row, " + format + " row weights"), run.err());
            double[] reference = format.equals("float32") ? exact[0] : rounded[0];
            assertEquals(reference[0], number(json.get("accuracy")), 1.5 / TrainedClassifier.TEST, format);
            assertEquals(reference[1], number(json.get("loss")), 2e-5, format);
            if (format.equals("bfloat16")) {
                double loss = number(json.get("loss"));
                assertTrue(Math.abs(loss - rounded[0][1]) < Math.abs(loss - exact[0][1]),
                        "bfloat16 loss " + loss + " against references " + rounded[0][1] + " (rounded) and "
                                + exact[0][1] + " (exact)");
            }
        }
        CommandRun batches = eval("--model", model.toString(), "--data", data.toString(), "--json");
        assertNull(MiniJson.object(lastLine(batches.out())).get("row_weights"));
    }

    /**
     * On a CSV table (float32 features) and for both kinds of classifier (softmax over two outputs, and one sigmoid
     * output), float32 row weights give what the batch evaluation gives: the same accuracy, and the loss to float
     * rounding. The batch path (sgemm over whole batches) is the reference.
     */
    @Test
    void rowWeightsOnACsvTableAgreeWithTheBatchesForSoftmaxAndASigmoid() {
        Path planar = Path.of("examples/data/planar.csv");
        assertTrue(Files.isRegularFile(planar), "run from the repository root: " + planar.toAbsolutePath());
        for (String layers : List.of("2,4,2", "2,4,1")) {
            Path trained = dir.resolve("planar-" + layers.replace(',', '-') + ".gatun");
            CommandRun train = CommandRun.gatun("train", "--data", planar.toString(), "--label", "label",
                    "--layers", layers, "--activation", "tanh", "--init", "xavier", "--lr", "0.05", "--batch", "32",
                    "--epochs", "30", "--seed", "1", "--dev", "0", "--out", trained.toString(), "--quiet");
            assertEquals(0, train.exit(), train.toString());
            CommandRun batches = eval("--model", trained.toString(), "--data", planar.toString(), "--label", "label",
                    "--json");
            CommandRun rows = eval("--model", trained.toString(), "--data", planar.toString(), "--label", "label",
                    "--row-weights", "float32", "--json");
            assertEquals(0, batches.exit(), batches.toString());
            assertEquals(0, rows.exit(), rows.toString());
            Map<String, Object> expected = MiniJson.object(lastLine(batches.out()));
            Map<String, Object> actual = MiniJson.object(lastLine(rows.out()));
            assertEquals(400, number(actual.get("count")), layers);
            assertTrue(number(expected.get("accuracy")) > 0.6, layers + " learnt something: " + expected);
            assertEquals(number(expected.get("accuracy")), number(actual.get("accuracy")), 0.0, layers);
            assertEquals(expected.get("confusion"), actual.get("confusion"), layers);
            assertEquals(number(expected.get("loss")), number(actual.get("loss")), 1e-5, layers);
        }
    }

    /**
     * More classes than a confusion matrix is kept for: the accuracy and loss are reported, the per-class figures and
     * the matrix are said to be left out (JSON null), and no plot is drawn; both evaluation paths.
     */
    @Test
    void aModelOfMoreClassesThanAConfusionMatrixIsKeptForIsEvaluatedWithoutOne() throws Exception {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int k = 0; k <= Evaluator.MAX_CONFUSION_CLASSES; k++) {
            csv.append(k % 7).append(',').append(k % 11).append(",c").append(k).append('\n');
        }
        Path data = Files.writeString(dir.resolve("wide.csv"), csv);
        Path trained = dir.resolve("wide.gatun");
        CommandRun train = CommandRun.gatun("train", "--data", data.toString(), "--label", "label", "--epochs", "1",
                "--dev", "0", "--out", trained.toString(), "--quiet");
        assertEquals(0, train.exit(), train.toString());
        for (String weights : List.of("", "float32")) {
            List<String> args = new java.util.ArrayList<>(List.of("--model", trained.toString(), "--data",
                    data.toString(), "--label", "label", "--plots", dir.resolve("plots").toString()));
            if (!weights.isEmpty()) {
                args.addAll(List.of("--row-weights", weights));
            }
            CommandRun text = eval(args.toArray(String[]::new));
            assertEquals(0, text.exit(), text.toString());
            assertTrue(text.out().contains("per-class figures and the confusion matrix are left out above 1,024 classes")
                    && text.out().contains("no confusion-matrix.png"), text.out());
            args.add("--json");
            Map<String, Object> json = MiniJson.object(lastLine(eval(args.toArray(String[]::new)).out()));
            assertEquals(1025, number(json.get("count")));
            assertEquals(null, json.get("confusion"));
            assertEquals(null, json.get("per_class"));
        }
        assertFalse(Files.exists(dir.resolve("plots/confusion-matrix.png")));
    }

    /** The confusion plot's name linked to a file of the MNIST directory evaluated: refused, the file kept. */
    @Test
    void aPlotThatIsAFileOfTheDataDirectoryIsRefused() throws IOException {
        Path labels = data.resolve("t10k-labels-idx1-ubyte");
        byte[] kept = Files.readAllBytes(labels);
        Path plots = Files.createDirectories(dir.resolve("linked-plots"));
        Files.createSymbolicLink(plots.resolve("confusion-matrix.png"), labels);
        CommandRun run = eval("--model", model.toString(), "--data", data.toString(), "--plots", plots.toString());
        CommandRun.assertOneLineError(run, Main.EXIT_USAGE, "--plots " + plots + ": " + plots.resolve(
                "confusion-matrix.png") + " is the --data directory's t10k-labels-idx1-ubyte file this run reads");
        assertArrayEquals(kept, Files.readAllBytes(labels));
    }

    /** A row whose outputs overflow is refused naming the sample, as the batch evaluation refuses the set. */
    @Test
    void rowWeightsNameTheSampleWhoseOutputsOverflow() throws IOException {
        Path overflowing = overflowingModel();
        CommandRun run = eval("--model", overflowing.toString(), "--data", data.toString(), "--row-weights", "float32");
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().contains("sample 0 (row 0 of "), run.err());
    }

    @Test
    void rowWeightsRefuseAnUnknownFormatAndARegression() throws IOException {
        CommandRun unknown = eval("--model", model.toString(), "--data", data.toString(), "--row-weights", "int8");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("--row-weights must be float32 or bfloat16, got 'int8'"), unknown.err());
        Path csv = dir.resolve("regression.csv");
        // A cell the parser would refuse: the refusal must come first, before the data is read.
        Files.writeString(csv, "a,b,y\n1,2,3\nnot-a-number,1,0.5\n");
        Path regression = TrainedClassifier.untrained(dir.resolve("regression.gatun"), 2, 1, Loss.MSE);
        CommandRun refused = eval("--model", regression.toString(), "--data", csv.toString(), "--label", "y",
                "--row-weights", "bfloat16");
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("--row-weights evaluates a classifier row by row")
                && refused.err().contains("MSE"), refused.err());
    }

    /**
     * {accuracy, mean −ln p(label)} of the saved model on {@code test}, by a plain forward pass in double over its
     * weights (ReLU hidden layers, softmax output), the weights first rounded to bfloat16 when {@code bfloat16}.
     */
    private static double[][] naiveAccuracyAndLoss(DataSet test, boolean bfloat16) throws IOException {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            dev.gatun.io.ModelIo.LoadedModel loaded = dev.gatun.io.ModelIo.load(model, arena);
            try (dev.gatun.nn.Model m = loaded.model()) {
                var parameters = m.parameters();
                float[] x = new float[test.features()];
                int correct = 0;
                double lossSum = 0;
                for (int i = 0; i < test.size(); i++) {
                    loaded.normalization().apply(TrainedClassifier.pixels(test, i), x);
                    double[] a = new double[x.length];
                    for (int j = 0; j < x.length; j++) {
                        a[j] = x[j];
                    }
                    for (int p = 0; p < parameters.size(); p += 2) {
                        dev.gatun.tensor.Tensor w = parameters.get(p).value();
                        dev.gatun.tensor.Tensor b = parameters.get(p + 1).value();
                        double[] z = new double[(int) w.rows()];
                        for (int o = 0; o < z.length; o++) {
                            double sum = b.get(o);
                            for (int k = 0; k < a.length; k++) {
                                double weight = w.get(o, k);
                                sum += (bfloat16 ? toBfloat16((float) weight) : weight) * a[k];
                            }
                            boolean last = p + 2 == parameters.size();
                            z[o] = last ? sum : Math.max(0, sum);
                        }
                        a = z;
                    }
                    double max = java.util.Arrays.stream(a).max().orElseThrow();
                    double total = 0;
                    int best = 0;
                    for (int c = 0; c < a.length; c++) {
                        total += Math.exp(a[c] - max);
                        best = a[c] > a[best] ? c : best;
                    }
                    int label = test.label(i);
                    correct += best == label ? 1 : 0;
                    lossSum -= a[label] - max - Math.log(total);
                }
                return new double[][] {{(double) correct / test.size(), lossSum / test.size()}};
            }
        }
    }

    /**
     * Finite weights at float32's limit: the first layer's sums overflow to infinity, the next layer's mix of signs
     * makes NaN, and the argmax of NaN logits is class 0 for every row.
     */
    private static Path overflowingModel() throws IOException {
        Path overflowing = dir.resolve("overflowing.gatun");
        int inputs = dev.gatun.io.ModelIo.describe(model).spec().inputs();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
             dev.gatun.nn.Model m = dev.gatun.nn.Model.builder(inputs).dense(8, dev.gatun.activation.Activation.RELU)
                     .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena)) {
            m.parameters().getFirst().value().fill(Float.MAX_VALUE);
            dev.gatun.io.ModelIo.save(overflowing, m, dev.gatun.data.Normalization.scaleToUnit(inputs), Map.of());
        }
        return overflowing;
    }

    /** {@code v} rounded to bfloat16 (8 significant bits), nearest-even, as a float. */
    private static float toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @Test
    void outputsThatOverflowAreRefusedNotCountedAsClassZero() throws IOException {
        Path overflowing = overflowingModel();
        CommandRun run = eval("--model", overflowing.toString(), "--data", data.toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().contains(overflowing.toString()) && run.err().contains("the loss is NaN")
                && run.err().contains("not finite"), run.err());
    }

    @Test
    void theTrainSplitCountsTheTrainingImages() {
        CommandRun run = eval("--model", model.toString(), "--data", data.toString(), "--split", "train", "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals(TrainedClassifier.TRAIN, number(MiniJson.object(lastLine(run.out())).get("count")));
        assertTrue(run.err().contains("train split"), run.err());
    }

    @Test
    void theConfusionTableHasOneAlignedRowPerClass() {
        String table = EvalCommand.confusionTable(new long[][] {{5, 0, 12}, {1, 100, 0}, {0, 3, 7}},
                ClassNames.indices(3));
        assertEquals(List.of("    0   1   2", "0   5   0  12", "1   1 100   0", "2   0   3   7"), table.lines().toList());
        String named = EvalCommand.confusionTable(new long[10][10], ClassNames.FASHION_MNIST);
        assertTrue(named.lines().anyMatch(l -> l.startsWith("9 Ankle boot")), named);
    }

    @Test
    void fashionNamesOnlyForTenClassesFromTheDefaultDirectory() {
        assertEquals("T-shirt/top", ClassNames.of(null, 10).get(0));
        assertEquals("Ankle boot", ClassNames.of(DataDirectory.DEFAULT, 10).get(9));
        assertEquals("9", ClassNames.of(dir, 10).get(9));
        assertEquals(List.of("0", "1", "2", "3"), ClassNames.of(null, 4));
    }

    @Test
    void plotsThatCannotBeWrittenFailBeforeTheEvaluation() throws IOException {
        Path aFile = Files.writeString(dir.resolve("not-a-directory"), "x");
        CommandRun run = eval("--model", model.toString(), "--data", data.toString(), "--plots", aFile.toString());
        CommandRun.assertOneLineError(run, Main.EXIT_ERROR, "--plots " + aFile, "is not a directory");
        assertFalse(run.out().contains("accuracy"), "evaluated before failing: " + run);
        // A directory where a plot goes: the evaluation ran, then the write failed with only a path.
        Path taken = dir.resolve("taken-plots");   // the class shares one directory: not "plots", another test's
        Files.createDirectories(taken.resolve("confusion-matrix.png").resolve("inside"));
        CommandRun blocked = eval("--model", model.toString(), "--data", data.toString(), "--plots", taken.toString());
        CommandRun.assertOneLineError(blocked, Main.EXIT_ERROR, "confusion-matrix.png is a directory, where the run writes confusion-matrix.png");
        assertFalse(blocked.out().contains("accuracy"), "evaluated before failing: " + blocked);
    }

    @Test
    void mismatchesAndMissingFilesAreOneLineErrors() throws IOException {
        Path wide = TrainedClassifier.untrained(dir.resolve("wide.gatun"), 20, 4, Loss.SOFTMAX_CROSS_ENTROPY);
        CommandRun.assertOneLineError(eval("--model", wide.toString(), "--data", data.toString()), Main.EXIT_ERROR,
                "takes 20 inputs", "64 features", "(8, 8)");
        Path three = TrainedClassifier.untrained(dir.resolve("three.gatun"), 64, 3, Loss.SOFTMAX_CROSS_ENTROPY);
        CommandRun.assertOneLineError(eval("--model", three.toString(), "--data", data.toString()), Main.EXIT_ERROR,
                "predicts 3 classes", "= 3");
        Path mse = TrainedClassifier.untrained(dir.resolve("mse.gatun"), 64, 2, Loss.MSE);
        CommandRun.assertOneLineError(eval("--model", mse.toString(), "--data", data.toString()), Main.EXIT_ERROR,
                "is a regression (MSE)", "--data FILE.csv --label COLUMN");
        CommandRun.assertOneLineError(eval("--model", dir.resolve("nope.gatun").toString(), "--data", data.toString()),
                Main.EXIT_ERROR, "nope.gatun", "does not exist");
        CommandRun.assertOneLineError(eval("--model", model.toString(), "--data", dir.resolve("nodata").toString()),
                Main.EXIT_ERROR, "nodata", "does not exist");
        CommandRun.assertOneLineError(eval("--model", model.toString(), "--data", data.toString(), "--split", "dev"),
                Main.EXIT_USAGE, "--split must be test or train");
        // --data and --label used wrongly together are usage errors, as in train, tune and sanity.
        CommandRun.assertOneLineError(eval("--model", model.toString(), "--label", "y"), Main.EXIT_USAGE,
                "give it with --data FILE.csv", "(see 'gatun eval --help')");
        Path csv = Files.writeString(dir.resolve("rows.csv"), "a,y\n1,0\n");
        CommandRun.assertOneLineError(eval("--model", model.toString(), "--data", csv.toString()), Main.EXIT_USAGE,
                "is a file: CSV data needs --label COLUMN", "(see 'gatun eval --help')");
    }
}

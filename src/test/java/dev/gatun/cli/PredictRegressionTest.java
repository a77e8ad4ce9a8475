package dev.gatun.cli;

import dev.gatun.nn.Loss;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gatun predict} on regression models: each row's real-valued predictions, as the predictor computes them. */
class PredictRegressionTest {
    private static final int FEATURES = 3;

    @TempDir
    Path dir;

    /** {@code n} rows of three features in [−50, 50], with a header line; the values written are the ones read. */
    private Path rows(String name, int n, float[][] x) throws IOException {
        SplittableRandom random = new SplittableRandom(n);
        StringBuilder csv = new StringBuilder("a,b,c\n");
        for (int i = 0; i < n; i++) {
            x[i] = new float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = (float) random.nextDouble(-50, 50);
                csv.append(j == 0 ? "" : ",").append(x[i][j]);
            }
            csv.append('\n');
        }
        return Files.writeString(dir.resolve(name), csv.toString());
    }

    /** Each row alone through the predictor: the reference the command's batches must reproduce. */
    private static float[][] oneByOne(Path model, float[][] x, int outputs) throws IOException {
        float[][] y = new float[x.length][outputs];
        try (Predictor predictor = Predictor.load(model)) {
            for (int i = 0; i < x.length; i++) {
                predictor.predict(x[i], y[i]);
            }
        }
        return y;
    }

    /**
     * Batches of 8 rows or more run sgemm, single rows the row kernel: the same sums in another order, so equal
     * within float rounding; a file of 3 rows takes the row kernel too and must give the very same floats.
     */
    private static void assertClose(float expected, double actual, int rows, String where) {
        double tolerance = rows < 8 ? 0 : 1e-5 * Math.max(1, Math.abs(expected));
        assertEquals(expected, actual, tolerance, where);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRegressionModelPrintsThePredictorsValuesPerRowInTextAndJson() throws IOException {
        for (int outputs : new int[] {1, 2}) {
            Path model = TrainedClassifier.untrained(dir.resolve("mse" + outputs + ".gatun"), FEATURES, outputs, Loss.MSE);
            // 300 rows: a full batch of 256 and a partial one; 3 rows: the row kernel.
            for (int n : new int[] {3, 300}) {
                float[][] x = new float[n][];
                Path input = rows("rows" + n + ".csv", n, x);
                float[][] expected = oneByOne(model, x, outputs);

                CommandRun text = gatun("predict", "--model", model.toString(), "--input", input.toString());
                assertEquals(0, text.exit(), text.toString());
                List<String> lines = text.out().lines().toList();
                assertEquals(n + 1, lines.size(), "a header line, then one line per row");
                assertEquals(outputs == 1 ? "row\tvalue" : "row\tvalue1\tvalue2", lines.getFirst());
                for (int i = 0; i < n; i++) {
                    String[] cells = lines.get(i + 1).split("\t");
                    assertEquals(1 + outputs, cells.length, lines.get(i + 1));
                    assertEquals(Integer.toString(i), cells[0]);
                    for (int k = 0; k < outputs; k++) {
                        assertClose(expected[i][k], Float.parseFloat(cells[1 + k]), n,
                                String.format(Locale.ROOT, "text, %d outputs, row %d value %d", outputs, i, k));
                    }
                }

                CommandRun json = gatun("predict", "--model", model.toString(), "--input", input.toString(), "--json");
                assertEquals(0, json.exit(), json.toString());
                assertEquals(1, json.out().strip().lines().count(), "--json prints one object");
                Map<String, Object> object = MiniJson.object(json.out().strip());
                assertEquals(n, ((Number) object.get("rows")).intValue());
                List<Map<String, Object>> predictions = (List<Map<String, Object>>) object.get("predictions");
                assertEquals(n, predictions.size());
                for (int i = 0; i < n; i++) {
                    Map<String, Object> p = predictions.get(i);
                    assertEquals(i, ((Number) p.get("row")).intValue());
                    assertFalse(p.containsKey("class"), "a regression has no class: " + p);
                    List<Object> values = (List<Object>) p.get("values");
                    assertEquals(outputs, values.size(), p.toString());
                    for (int k = 0; k < outputs; k++) {
                        // The JSON holds the float's shortest decimal: read back as a float, it is that float.
                        assertClose(expected[i][k], (float) ((Number) values.get(k)).doubleValue(), n, "json row " + i);
                    }
                    assertEquals(outputs == 1, p.containsKey("value"), "value for one output only: " + p);
                    if (outputs == 1) {
                        assertEquals(((Number) values.getFirst()).doubleValue(), ((Number) p.get("value")).doubleValue(), 0);
                    }
                }
            }
        }
    }

    @Test
    void topAndModelsThatAreNeitherAreRefusedInOneLine() throws IOException {
        Path model = TrainedClassifier.untrained(dir.resolve("mse.gatun"), FEATURES, 1, Loss.MSE);
        Path input = rows("rows.csv", 4, new float[4][]);
        CommandRun.assertOneLineError(gatun("predict", "--model", model.toString(), "--input", input.toString(), "--top",
                "2"), Main.EXIT_USAGE, "--top 2", "is a regression", "predicts values, not classes");
        Path multiLabel = TrainedClassifier.untrained(dir.resolve("sigmoids.gatun"), FEATURES, 3, Loss.BINARY_CROSS_ENTROPY);
        CommandRun.assertOneLineError(gatun("predict", "--model", multiLabel.toString(), "--input", input.toString()),
                Main.EXIT_ERROR, "needs a classifier");
        assertTrue(Files.exists(model));
    }
}

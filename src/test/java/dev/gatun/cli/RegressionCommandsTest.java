package dev.gatun.cli;

import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --task regression}: MSE with a linear output on a smooth synthetic target, reported as RMSE, MAE and R². */
class RegressionCommandsTest {
    @TempDir
    Path dir;

    /** y = sin(2·x1) + x2² − 0.5·x1·x2 + 3 over x uniform in [−1.5, 1.5]², the target column named "y" first. */
    private static double target(double x1, double x2) {
        return Math.sin(2 * x1) + x2 * x2 - 0.5 * x1 * x2 + 3;
    }

    private Path table(String name, int n, long seed, double[][] rows) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("y,x1,x2\n");
        for (int i = 0; i < n; i++) {
            double x1 = random.nextDouble(-1.5, 1.5);
            double x2 = random.nextDouble(-1.5, 1.5);
            rows[i] = new double[] {x1, x2, target(x1, x2)};
            csv.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f%n", rows[i][2], x1, x2));
        }
        return Files.writeString(dir.resolve(name), csv.toString());
    }

    @Test
    void aSmoothTargetIsLearntToRSquaredAbove099() throws IOException {
        Path train = table("train.csv", 3000, 1, new double[3000][]);
        double[][] held = new double[1000][];
        Path test = table("test.csv", 1000, 2, held);
        Path model = dir.resolve("fit.gatun");
        Path plots = dir.resolve("plots");
        CommandRun run = gatun("train", "--data", train.toString(), "--label", "y", "--task", "regression", "--test",
                test.toString(), "--layers", "2,32,32,1", "--activation", "tanh", "--init", "xavier", "--lr", "3e-3",
                "--batch", "32", "--epochs", "40", "--seed", "5", "--out", model.toString(), "--plots", plots.toString(),
                "--json");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.number("test_r2") >= 0.99, run.json());
        assertTrue(run.number("dev_r2") >= 0.99, run.json());
        assertTrue(run.number("train_r2") >= 0.99, run.json());
        assertTrue(run.err().contains("test  RMSE"), run.err());
        assertNull(MiniJson.object(run.json()).get("test_accuracy"), "a regression has no accuracy");
        assertTrue(Files.size(plots.resolve("predicted-vs-actual.png")) > 1000);
        assertTrue(Files.size(plots.resolve("loss-accuracy.png")) > 1000);

        // The reported figures, recomputed from the model file by the predictor, sample by sample.
        double sse = 0;
        double sae = 0;
        double mean = 0;
        for (double[] r : held) {
            mean += r[2];
        }
        mean /= held.length;
        double sst = 0;
        try (Predictor predictor = Predictor.load(model)) {
            float[] out = new float[1];
            for (double[] r : held) {
                predictor.predict(new float[] {(float) r[0], (float) r[1]}, out);
                double y = (float) r[2];
                sse += (out[0] - y) * (out[0] - y);
                sae += Math.abs(out[0] - y);
                sst += (y - mean) * (y - mean);
            }
        }
        assertEquals(Math.sqrt(sse / held.length), run.number("test_rmse"), 1e-4);
        assertEquals(sae / held.length, run.number("test_mae"), 1e-4);
        assertEquals(1 - sse / sst, run.number("test_r2"), 1e-4);

        CommandRun eval = gatun("eval", "--model", model.toString(), "--data", test.toString(), "--label", "y", "--json");
        assertEquals(0, eval.exit(), eval.toString());
        assertEquals(run.number("test_r2"), eval.number("r2"), 1e-12);
        assertEquals(run.number("test_rmse"), eval.number("rmse"), 1e-12);
        assertEquals(1000, eval.number("count"));
    }

    @Test
    void aRegressionRefusesWhatItCannotUse() throws IOException {
        Path train = table("train.csv", 100, 1, new double[100][]);
        Path words = Files.writeString(dir.resolve("words.csv"), "y,x1,x2\n1,2,3\nlots,2,3\n");
        CommandRun.assertOneLineError(gatun("train", "--data", words.toString(), "--label", "y", "--task", "regression"),
                1, "line 3 column 1: expected a finite target value, found 'lots'");
        CommandRun.assertOneLineError(gatun("train", "--data", train.toString(), "--label", "y", "--task", "regression",
                "--layers", "2,8,3"), 1, "--layers ends with 3 outputs but train.csv has 1 target column");
        CommandRun.assertOneLineError(gatun("train", "--task", "regression"), 2, "--task regression is for CSV data");
        CommandRun.assertOneLineError(gatun("train", "--data", train.toString(), "--label", "y", "--task", "guess"), 2,
                "--task must be 'classification' or 'regression'");
        assertTrue(List.of(1, 2).contains(gatun("train", "--data", train.toString(), "--label", "y", "--task",
                "regression", "--augment").exit()), "augmentation is for images");
    }
}

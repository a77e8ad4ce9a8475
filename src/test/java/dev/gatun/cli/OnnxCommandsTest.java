package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.IdxCache;
import dev.gatun.data.MnistDirectory;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/**
 * predict, eval, benchmark and inspect take an ONNX file for --model: the trained classifier exported by
 * {@code gatun export --onnx} gives the same classes and accuracy as the Gatun file it came from.
 */
class OnnxCommandsTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path onnx;
    static Path data;

    @BeforeAll
    static void trainAndExport() throws IOException {
        System.setProperty(IdxCache.PROPERTY, dir.resolve("cache").toString());
        model = TrainedClassifier.write(dir);
        data = dir.resolve("data");
        onnx = dir.resolve("model.onnx");
        CommandRun export = gatun("export", "--onnx", model.toString(), onnx.toString());
        assertEquals(0, export.exit(), export.toString());
    }

    @AfterAll
    static void restoreCache() {
        System.clearProperty(IdxCache.PROPERTY);
    }

    @Test
    @SuppressWarnings("unchecked")
    void predictGivesTheGatunModelsClasses() throws IOException {
        int[] expected;
        try (MnistDirectory mnist = LearnableData.load(data)) {
            expected = TrainedClassifier.classify(model, mnist.test());
        }
        CommandRun run = gatun("predict", "--model", onnx.toString(), "--input",
                data.resolve("t10k-images-idx3-ubyte").toString(), "--json");
        assertEquals(0, run.exit(), run.err());
        List<Map<String, Object>> predictions = (List<Map<String, Object>>) MiniJson.object(run.out().strip()).get("predictions");
        assertEquals(expected.length, predictions.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ((Number) predictions.get(i).get("class")).intValue(), "row " + i);
        }
    }

    @Test
    void evalGivesTheGatunModelsAccuracy() {
        CommandRun gatunFile = gatun("eval", "--model", model.toString(), "--data", data.toString(), "--json");
        CommandRun onnxFile = gatun("eval", "--model", onnx.toString(), "--data", data.toString(), "--json");
        assertEquals(0, onnxFile.exit(), onnxFile.err());
        double expected = CommandRun.number(gatunFile.json(), "accuracy");
        assertTrue(expected > 0.8, gatunFile.out());
        assertEquals(expected, CommandRun.number(onnxFile.json(), "accuracy"), 1e-12);
        assertEquals(CommandRun.number(gatunFile.json(), "loss"), CommandRun.number(onnxFile.json(), "loss"), 1e-5);
    }

    @Test
    void benchmarkAndInspectReadIt() {
        CommandRun bench = gatun("benchmark", "--model", onnx.toString(), "--batch", "2", "--threads", "1",
                "--seconds", "0.2", "--warmup", "0.1", "--json");
        assertEquals(0, bench.exit(), bench.err());
        assertTrue(bench.json().contains("\"layers\":[" + LearnableData.FEATURES + ",16," + LearnableData.CLASSES + "]"),
                bench.out());
        CommandRun inspect = gatun("inspect", onnx.toString(), "--json");
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.json().contains("\"normalization\":\"scale-to-unit\""), inspect.out());
    }

    @Test
    void aBrokenOnnxFileIsOneLine() throws IOException {
        Path broken = dir.resolve("broken.onnx");
        byte[] bytes = Files.readAllBytes(onnx);
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        for (String command : List.of("predict", "eval", "benchmark")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "--model", broken.toString()));
            args.addAll(switch (command) {
                case "predict" -> List.of("--input", data.resolve("t10k-images-idx3-ubyte").toString());
                case "eval" -> List.of("--data", data.toString());
                default -> List.of("--seconds", "0.1");
            });
            assertOneLineError(gatun(args.toArray(String[]::new)), Main.EXIT_ERROR, broken.toString(), "ONNX");
        }
    }
}

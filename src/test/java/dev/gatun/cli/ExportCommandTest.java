package dev.gatun.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.serve.Predictor;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** {@code gatun export --onnx}: the file it writes runs in ONNX Runtime and gives the trained model's probabilities. */
class ExportCommandTest {
    @TempDir
    Path dir;

    @Test
    void theExportedFileGivesTheModelsProbabilitiesInOnnxRuntime() throws Exception {
        Path model = TrainedClassifier.write(dir);
        Path onnx = dir.resolve("out/model.onnx");
        CommandRun run = gatun("export", "--onnx", model.toString(), onnx.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("wrote " + onnx), run.out());
        try (MnistDirectory data = LearnableData.load(dir.resolve("data"));
             Predictor predictor = Predictor.load(model)) {
            DataSet test = data.test();
            int m = 50;
            float[] rows = new float[m * test.features()];
            for (int i = 0; i < m; i++) {
                System.arraycopy(TrainedClassifier.pixels(test, i), 0, rows, i * test.features(), test.features());
            }
            float[] expected = new float[m * predictor.outputs()];
            predictor.predict(rows, m, expected);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), new long[] {m, test.features()});
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                float[][] probabilities = (float[][]) result.get("probabilities").orElseThrow().getValue();
                for (int i = 0; i < m; i++) {
                    for (int k = 0; k < predictor.outputs(); k++) {
                        assertEquals(expected[i * predictor.outputs() + k], probabilities[i][k], 1e-5, "row " + i + " class " + k);
                    }
                }
            }
        }
    }

    @Test
    void withoutAFormatItIsAUsageError() throws Exception {
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 6, 3, dev.gatun.nn.Loss.SOFTMAX_CROSS_ENTROPY);
        assertOneLineError(gatun("export", model.toString(), dir.resolve("m.onnx").toString()), Main.EXIT_USAGE,
                "--onnx", "(see 'gatun export --help')");
        assertOneLineError(gatun("export", "--onnx", dir.resolve("missing.gatun").toString(), dir.resolve("m.onnx").toString()),
                Main.EXIT_ERROR, "missing.gatun");
        assertFalse(Files.exists(dir.resolve("m.onnx")));
    }

    /** Export once replaced its own input with ONNX bytes; a file's format was told by its name alone. */
    @Test
    void theModelFileIsNeverTheOutputAndFormatsAreToldByContent() throws Exception {
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 6, 3, dev.gatun.nn.Loss.SOFTMAX_CROSS_ENTROPY);
        byte[] before = Files.readAllBytes(model);
        assertOneLineError(gatun("export", "--onnx", model.toString(), model.toString()), Main.EXIT_USAGE,
                "is the model file itself");
        assertArrayEquals(before, Files.readAllBytes(model), "the model is untouched");
        // The two files swapped on the command line, the model in OUT's place: refused, the model kept.
        Path other = Files.copy(model, dir.resolve("other.gatun"));
        assertOneLineError(gatun("export", "--onnx", model.toString(), other.toString()), Main.EXIT_ERROR,
                other + " is a Gatun model file, which an export does not replace");
        assertArrayEquals(before, Files.readAllBytes(other), "the other model is untouched");
        // An ONNX export under any name, and a Gatun model named .onnx, each load by what they hold.
        Path onnxAsBin = dir.resolve("exported.bin");
        assertEquals(0, gatun("export", "--onnx", model.toString(), onnxAsBin.toString()).exit());
        Path gatunAsOnnx = Files.copy(model, dir.resolve("gatun-format.onnx"));
        for (Path file : new Path[] {onnxAsBin, gatunAsOnnx}) {
            CommandRun inspect = gatun("inspect", file.toString());
            assertEquals(0, inspect.exit(), file + ": " + inspect);
        }
    }
}

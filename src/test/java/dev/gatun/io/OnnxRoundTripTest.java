package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Gatun's own ONNX files read back: the predictor loaded from the .onnx file gives the original model's outputs
 * within 1e-5 (batch norm and dropout folded away), with the same normalisation, metadata and output function.
 */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyActivationWithAndWithoutBatchNorm() throws Exception {
        long seed = 11;
        for (Activation activation : Activation.values()) {
            for (boolean batchNorm : new boolean[] {false, true}) {
                assertRoundTrip(activation, batchNorm, Loss.SOFTMAX_CROSS_ENTROPY, 6, Normalization.Mode.SCALE_TO_UNIT, seed++);
            }
        }
    }

    @Test
    void everyNormalisationModeComesBackAsItWas() throws Exception {
        long seed = 40;
        for (Normalization.Mode mode : Normalization.Mode.values()) {
            assertRoundTrip(Activation.RELU, true, Loss.SOFTMAX_CROSS_ENTROPY, 3, mode, seed++);
        }
    }

    @Test
    void everyOutput() throws Exception {
        assertRoundTrip(Activation.TANH, true, Loss.BINARY_CROSS_ENTROPY, 1, Normalization.Mode.STANDARDIZE_GLOBAL, 60);
        assertRoundTrip(Activation.TANH, false, Loss.BINARY_CROSS_ENTROPY, 4, Normalization.Mode.NONE, 61);
        assertRoundTrip(Activation.SIGMOID, true, Loss.MSE, 2, Normalization.Mode.STANDARDIZE_PER_FEATURE, 62);
    }

    @Test
    void theMetadataComesBack() throws Exception {
        Path file = dir.resolve("meta.onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, Activation.RELU, false, Loss.SOFTMAX_CROSS_ENTROPY, 3, 8)) {
            OnnxExport.save(file, model, Normalization.scaleToUnit(OnnxNets.INPUTS),
                    Map.of(ModelMetadata.CLASSES, "cat\tdog\tbird", "metric.test_accuracy", "0.75"));
        }
        try (Predictor predictor = Predictor.load(file)) {
            assertEquals(List.of("cat", "dog", "bird"), predictor.metadata().classNames());
            assertEquals("0.75", predictor.metadata().metrics().get("test_accuracy"));
            assertTrue(predictor.metadata().gatunVersion().isPresent());
        }
        ModelIo.Description d = ModelIo.describe(file);
        assertEquals(List.of(OnnxNets.INPUTS, 10, 7, 3), d.spec().widths());
        assertEquals(Normalization.Mode.SCALE_TO_UNIT, d.normalization());
        assertEquals((12 * 10 + 10) + (10 * 7 + 7) + (7 * 3 + 3), d.parameters());
        assertFalse(d.checkpoint());
    }

    private void assertRoundTrip(Activation activation, boolean batchNorm, Loss loss, int outputs,
                                 Normalization.Mode mode, long seed) throws Exception {
        String what = activation + (batchNorm ? " + batch norm" : "") + ", " + loss + ", " + mode;
        Normalization normalization = OnnxNets.normalization(mode);
        int m = 20;
        float[] rows = OnnxNets.rows(m, seed);
        float[] expected = new float[m * outputs];
        Path file = dir.resolve("model-" + seed + ".onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, activation, batchNorm, loss, outputs, seed);
             Predictor original = Predictor.of(model, normalization)) {
            original.predict(rows, m, expected);
            OnnxExport.save(file, model, normalization, Map.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            loaded.model().close();
            assertEquals(normalization, loaded.normalization(), what);
            assertEquals(loss, loaded.model().loss(), what);
        }
        try (Predictor imported = Predictor.load(file)) {
            float[] actual = new float[m * outputs];
            imported.predict(rows, m, actual);
            float[] row = new float[outputs];
            for (int r = 0; r < m; r++) {
                imported.predict(java.util.Arrays.copyOfRange(rows, r * OnnxNets.INPUTS, (r + 1) * OnnxNets.INPUTS), row);
                for (int k = 0; k < outputs; k++) {
                    assertEquals(expected[r * outputs + k], actual[r * outputs + k], 1e-5, what + ": row " + r + " output " + k);
                    assertEquals(expected[r * outputs + k], row[k], 1e-5, what + ": single row " + r + " output " + k);
                }
            }
        }
    }
}

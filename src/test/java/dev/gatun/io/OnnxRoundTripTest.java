package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Gatun's own ONNX files read back: the predictor loaded from the .onnx file gives the original model's outputs
 * within 1e-5 (relative above 1) (batch norm and dropout folded away), with the same normalisation, metadata and output function.
 */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyActivationBatchNormNormalisationAndOutput() throws Exception {
        for (OnnxNets.Case c : OnnxNets.everyCase()) {
            assertRoundTrip(c);
        }
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

    @Test
    void namesThatDoNotFitAndDivergedWeightsAreRefusedOnExport() throws Exception {
        Path file = dir.resolve("refused.onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, Activation.RELU, false, Loss.SOFTMAX_CROSS_ENTROPY, 3, 8)) {
            Normalization normalization = Normalization.scaleToUnit(OnnxNets.INPUTS);
            IllegalArgumentException names = assertThrows(IllegalArgumentException.class, () -> OnnxExport.save(file,
                    model, normalization, Map.of(ModelMetadata.CLASSES, "cat\tdog")));
            assertEquals("ONNX export: metadata 'classes' names 2 classes but the model predicts 3", names.getMessage());
            // protobuf would write '?' for the lone surrogate and the import would read other metadata back.
            IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class, () -> OnnxExport.save(
                    file, model, normalization, Map.of("note", "half a pair: \uD83D")));
            assertTrue(surrogate.getMessage().contains("lone UTF-16 surrogate, U+D83D"), surrogate.getMessage());
            model.tensorsByName().get("W2").set(4, Float.NaN);
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> OnnxExport.save(file,
                    model, normalization, Map.of()));
            assertEquals("ONNX export to " + file + ": tensor W2 element 4 is NaN, expected a finite value (the"
                    + " weights diverged); nothing was written", nan.getMessage());
        }
        assertFalse(Files.exists(file), "nothing written");
    }

    private void assertRoundTrip(OnnxNets.Case c) throws Exception {
        String what = c.toString();
        int outputs = c.outputs();
        Normalization normalization = OnnxNets.normalization(c.mode());
        int m = 20;
        float[] rows = OnnxNets.rows(m, c.seed());
        float[] expected = new float[m * outputs];
        Path file = dir.resolve("model-" + c.seed() + ".onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, c);
             Predictor original = Predictor.of(model, normalization)) {
            original.predict(rows, m, expected);
            OnnxExport.save(file, model, normalization, Map.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            loaded.model().close();
            assertEquals(normalization, loaded.normalization(), what);
            assertEquals(c.loss(), loaded.model().loss(), what);
        }
        try (Predictor imported = Predictor.load(file)) {
            float[] actual = new float[m * outputs];
            imported.predict(rows, m, actual);
            float[] row = new float[outputs];
            for (int r = 0; r < m; r++) {
                imported.predict(java.util.Arrays.copyOfRange(rows, r * OnnxNets.INPUTS, (r + 1) * OnnxNets.INPUTS), row);
                for (int k = 0; k < outputs; k++) {
                    assertEquals(expected[r * outputs + k], actual[r * outputs + k], OnnxNets.tolerance(expected[r * outputs + k]), what + ": row " + r + " output " + k);
                    assertEquals(expected[r * outputs + k], row[k], OnnxNets.tolerance(expected[r * outputs + k]), what + ": single row " + r + " output " + k);
                }
            }
        }
    }
}

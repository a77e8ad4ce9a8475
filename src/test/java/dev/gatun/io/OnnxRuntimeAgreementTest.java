package dev.gatun.io;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ONNX Runtime, an engine that shares no code with Gatun, runs the files {@link OnnxExport} writes: its outputs equal
 * Gatun's predictor's within 1e-5 (relative above 1: {@link OnnxNets#tolerance}) for every hidden activation, with and without batch norm, for every normalisation
 * mode and every output (softmax, sigmoid, linear).
 */
class OnnxRuntimeAgreementTest {
    private static final int ROWS = 24;

    @TempDir
    Path dir;

    @Test
    void everyActivationBatchNormNormalisationAndOutput() throws Exception {
        for (OnnxNets.Case c : OnnxNets.everyCase()) {
            assertAgreement(c);
        }
    }

    @Test
    void theMetadataBecomesMetadataProperties() throws Exception {
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, Activation.RELU, false, Loss.SOFTMAX_CROSS_ENTROPY, 3, 5)) {
            Path file = dir.resolve("meta.onnx");
            OnnxExport.save(file, model, Normalization.none(OnnxNets.INPUTS),
                    Map.of(ModelMetadata.CLASSES, "cat\tdog\tbird", "metric.test_accuracy", "0.5"));
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(Files.readAllBytes(file), new OrtSession.SessionOptions())) {
                Map<String, String> props = session.getMetadata().getCustomMetadata();
                assertEquals("cat\tdog\tbird", props.get(ModelMetadata.CLASSES));
                assertEquals("0.5", props.get("metric.test_accuracy"));
                assertTrue(props.containsKey(ModelMetadata.VERSION) && props.containsKey(ModelMetadata.CREATED), props.toString());
                assertEquals("gatun", session.getMetadata().getProducerName());
            }
        }
    }

    private void assertAgreement(OnnxNets.Case c) throws IOException, OrtException {
        String what = c.toString();
        int outputs = c.outputs();
        Normalization normalization = OnnxNets.normalization(c.mode());
        float[] rows = OnnxNets.rows(ROWS, c.seed());
        float[] gatun = new float[ROWS * outputs];
        Path file = dir.resolve("model-" + c.seed() + ".onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, c);
             Predictor predictor = Predictor.of(model, normalization)) {
            predictor.predict(rows, ROWS, gatun);
            OnnxExport.save(file, model, normalization, Map.of());
        }
        float[] onnx = run(file, rows, ROWS, OnnxNets.INPUTS, outputs);
        double spread = 0;
        for (int i = 0; i < gatun.length; i++) {
            assertEquals(gatun[i], onnx[i], OnnxNets.tolerance(gatun[i]), what + ": output " + i);
            spread = Math.max(spread, Math.abs(gatun[i] - gatun[i % outputs]));
        }
        // Outputs that differ from row to row: a model that ignored its input would agree trivially.
        assertTrue(spread > 1e-3, what + ": outputs hardly depend on the input (" + spread + ")");
    }

    /** ONNX Runtime's outputs for m rows of raw features, as a service would call it. */
    static float[] run(Path file, float[] rows, int m, int inputs, int outputs) throws IOException, OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(Files.readAllBytes(file), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), new long[] {m, inputs});
             OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
            float[][] out = (float[][]) result.get(0).getValue();
            float[] flat = new float[m * outputs];
            for (int r = 0; r < m; r++) {
                assertEquals(outputs, out[r].length);
                System.arraycopy(out[r], 0, flat, r * outputs, outputs);
            }
            return flat;
        }
    }
}

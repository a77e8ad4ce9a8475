package dev.gatun.io;

import dev.gatun.nn.Loss;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ONNX files that PyTorch 1.13's {@code torch.onnx.export} wrote ({@code src/test/resources/dev/gatun/io/pytorch/
 * export_models.py} made them, with PyTorch's outputs for fixed inputs beside each): Gatun loads them into its own
 * predictor, and its outputs equal PyTorch's within 1e-5, row by row (the row kernel) and in a batch (sgemm).
 */
class PytorchOnnxImportTest {
    static final double TOLERANCE = 1e-5;

    @Test
    void everyActivationBatchNormAndSoftmaxOpset13() throws Exception {
        assertMatchesPytorch("mlp_softmax_opset13", List.of(12, 16, 10, 8, 6, 4), Loss.SOFTMAX_CROSS_ENTROPY);
    }

    @Test
    void batchNormAfterTheActivationLogSoftmaxAndFloat64WeightsOpset17() throws Exception {
        assertMatchesPytorch("mlp_logsoftmax_float64_opset17", List.of(9, 12, 7, 3), Loss.SOFTMAX_CROSS_ENTROPY);
    }

    @Test
    void flattenedImagesAndALinearOutputOpset15() throws Exception {
        assertMatchesPytorch("flatten_regression_opset15", List.of(12, 8, 2), Loss.MSE);
    }

    @Test
    void oneSigmoidOutputOpset14() throws Exception {
        assertMatchesPytorch("binary_sigmoid_opset14", List.of(5, 6, 1), Loss.BINARY_CROSS_ENTROPY);
    }

    private static void assertMatchesPytorch(String name, List<Integer> widths, Loss loss) throws Exception {
        Path onnx = resource(name + ".onnx");
        List<float[]> inputs = new ArrayList<>();
        List<double[]> expected = new ArrayList<>();
        for (String line : Files.readAllLines(resource(name + ".expected.csv"))) {
            String[] cells = line.split(",");
            double[] values = Arrays.stream(cells, 1, cells.length).mapToDouble(Double::parseDouble).toArray();
            if (cells[0].equals("input")) {
                float[] row = new float[values.length];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) values[j];
                }
                inputs.add(row);
            } else {
                expected.add(values);
            }
        }
        assertEquals(inputs.size(), expected.size());
        try (Predictor predictor = Predictor.load(onnx)) {
            assertEquals(widths, predictor.spec().widths(), name);
            assertEquals(loss, predictor.loss(), name);
            int n = predictor.outputs();
            int repeats = 3; // 3 × 6 rows: a batch large enough for the sgemm path
            int m = inputs.size() * repeats;
            float[] batch = new float[m * predictor.inputs()];
            for (int r = 0; r < m; r++) {
                System.arraycopy(inputs.get(r % inputs.size()), 0, batch, r * predictor.inputs(), predictor.inputs());
            }
            float[] batchOut = new float[m * n];
            predictor.predict(batch, m, batchOut);
            float[] out = new float[n];
            for (int r = 0; r < inputs.size(); r++) {
                predictor.predict(inputs.get(r), out);
                for (int k = 0; k < n; k++) {
                    assertEquals(expected.get(r)[k], out[k], TOLERANCE, name + " row " + r + " output " + k);
                    for (int rep = 0; rep < repeats; rep++) {
                        int row = rep * inputs.size() + r;
                        assertEquals(expected.get(r)[k], batchOut[row * n + k], TOLERANCE,
                                name + " batch row " + row + " output " + k);
                    }
                }
            }
        }
    }

    static Path resource(String name) throws IOException, URISyntaxException {
        var url = PytorchOnnxImportTest.class.getResource("pytorch/" + name);
        if (url == null) {
            throw new IOException("test resource dev/gatun/io/pytorch/" + name + " is missing");
        }
        return Path.of(url.toURI());
    }
}

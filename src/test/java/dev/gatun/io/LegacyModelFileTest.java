package dev.gatun.io;

import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model file written by an earlier Gatun (commit 1f9de7c, before files carried the writer's version and creation
 * time) still loads and predicts what that Gatun predicted. The file and the rows were made by
 * {@code legacy/WriteOld.java} beside them, run against that commit: a 6-5-bn-4-dropout-3 softmax net with
 * per-feature standardisation and batch-norm running statistics other than their initial values.
 */
class LegacyModelFileTest {
    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = LegacyModelFileTest.class.getResourceAsStream("legacy/" + name)) {
            assertNotNull(in, "test resource legacy/" + name);
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void aFileFromBeforeTheMetadataKeysDescribesItselfWithoutThem() throws IOException {
        ModelMetadata metadata = ModelIo.describe(resource("before-metadata.gatun")).metadata();
        assertTrue(metadata.gatunVersion().isEmpty());
        assertTrue(metadata.created().isEmpty());
        assertEquals(List.of(), metadata.classNames());
        assertEquals(Map.of("test_accuracy", "0.75"), metadata.asMap());
    }

    @Test
    void aFileFromBeforeTheMetadataKeysPredictsWhatItsGatunPredicted() throws IOException {
        Path model = resource("before-metadata.gatun");
        List<String> rows = Files.readAllLines(resource("before-metadata.expected.csv"), StandardCharsets.UTF_8)
                .stream().filter(line -> !line.startsWith("#")).toList();
        assertEquals(4, rows.size());
        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(6, predictor.inputs());
            assertEquals(3, predictor.outputs());
            float[] out = new float[3];
            for (String row : rows) {
                String[] cells = row.split(",");
                float[] in = new float[6];
                for (int j = 0; j < 6; j++) {
                    in[j] = Float.parseFloat(cells[j]);
                }
                predictor.predict(in, out);
                for (int c = 0; c < 3; c++) {
                    float expected = Float.parseFloat(cells[6 + c]);
                    assertEquals(expected, out[c], 1e-6, "row " + row + ", class " + c);
                }
            }
        }
    }
}

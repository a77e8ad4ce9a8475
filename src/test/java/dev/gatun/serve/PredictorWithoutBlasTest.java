package dev.gatun.serve;

import dev.gatun.blas.BlasUnavailableException;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A service on a machine without OpenBLAS learns it from {@code Predictor.load}, not from its first batch request.
 * Surefire runs each test class in a JVM of its own (pom.xml, reuseForks=false), and the BLAS is chosen once per
 * JVM on first use: naming a library that does not exist before anything touches BLAS makes this JVM one without it.
 */
class PredictorWithoutBlasTest {
    static {
        System.setProperty("gatun.openblas", "/nonexistent/gatun-test/libopenblas.so.0");
    }

    @TempDir
    Path dir;

    @Test
    void loadAndOfFailAtStartUpSayingWhatToInstall() throws Exception {
        Path file = dir.resolve("model.gatun");
        Normalization normalization = Normalization.scaleToUnit(6);
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(6).dense(5, Activation.RELU).output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(3)
                     .build(arena)) {
            ModelIo.save(file, model, normalization, Map.of());

            BlasUnavailableException fromFile = assertThrows(BlasUnavailableException.class, () -> Predictor.load(file));
            assertTrue(fromFile.getMessage().contains("apt-get install libopenblas0-pthread"), fromFile.getMessage());
            assertTrue(fromFile.getMessage().contains("/nonexistent/gatun-test/libopenblas.so.0"), fromFile.getMessage());

            BlasUnavailableException fromModel = assertThrows(BlasUnavailableException.class,
                    () -> Predictor.of(model, normalization));
            assertEquals(fromFile.getMessage(), fromModel.getMessage());
        }
    }
}

package dev.gatun.cli;

import dev.gatun.Gatun;
import dev.gatun.serve.Predictor;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** gatun inspect shows what train wrote into the model file, as text and as JSON. */
class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void showsArchitectureClassesVersionTrainingAndResults() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 300, 100, 2, false);
        Path model = dir.resolve("m.gatun");
        CommandRun train = gatun("train", "--data", data.toString(), "--layers", "64,8,4", "--activation", "tanh",
                "--epochs", "2", "--dev", "50", "--lr", "0.01", "--out", model.toString(), "--json");
        assertEquals(0, train.exit(), train.toString());

        CommandRun run = gatun("inspect", model.toString(), "--json");
        assertEquals(0, run.exit(), run.toString());
        Map<String, Object> json = MiniJson.object(run.out().strip());
        assertEquals("model", json.get("kind"));
        assertEquals((double) Files.size(model), json.get("bytes"));
        assertEquals(List.of(64.0, 8.0, 4.0), json.get("layers"));
        assertEquals(List.of("tanh", "softmax"), json.get("activations"));
        assertEquals(64.0 * 8 + 8 + 8 * 4 + 4, json.get("parameters"));
        assertEquals(64.0, json.get("features"));
        assertEquals(List.of("0", "1", "2", "3"), json.get("classes"), "a directory other than Fashion-MNIST's: indices");
        assertEquals(Gatun.version(), json.get("gatun_version"));
        Instant.parse((String) json.get("created"));
        Map<String, Object> training = (Map<String, Object>) json.get("training");
        assertEquals(0.01, training.get("lr"));
        assertEquals(List.of("tanh"), training.get("activation"));
        assertEquals(List.of(64.0, 8.0, 4.0), training.get("layers"));
        assertEquals(MiniJson.object(train.json()).get("config"), training, "the same typed form as train --json");
        Map<String, Object> metrics = (Map<String, Object>) json.get("metrics");
        assertEquals(train.number("test_accuracy"), metrics.get("test_accuracy"));
        assertEquals(2.0, metrics.get("epochs"));
        assertTrue(run.err().lines().anyMatch(l -> l.startsWith("layers") && l.endsWith("3: 64, 8, 4")), run.err());

        try (Predictor predictor = Predictor.load(model)) {
            assertEquals(List.of("0", "1", "2", "3"), predictor.metadata().classNames());
            assertEquals(Gatun.version(), predictor.metadata().gatunVersion().orElseThrow());
            assertEquals("0.01", predictor.metadata().training().get("lr"));
            assertEquals(List.of(64, 8, 4), predictor.spec().widths());
        }

        CommandRun checkpoint = gatun("inspect", model + ".checkpoint");
        assertEquals(0, checkpoint.exit(), checkpoint.toString());
        assertTrue(checkpoint.out().contains("checkpoint"), checkpoint.out());

        Path notAModel = Files.writeString(dir.resolve("x.gatun"), "hello");
        assertOneLineError(gatun("inspect", notAModel.toString()), 1, "x.gatun");
    }

    @Test
    void anotherTrainersPartialConfigurationIsTypedValueByValue() {
        Map<String, Object> typed = InspectCommand.training(Map.of("epochs", "3", "lr", "1.0E-4", "augment", "true",
                "optimizer", "adam"));
        assertEquals(Map.of("epochs", 3L, "lr", 1e-4, "augment", true, "optimizer", "adam"), typed);
        assertEquals(Double.NaN, InspectCommand.typed("NaN"));
        assertEquals("1.2.3", InspectCommand.typed("1.2.3"));
        // 19 digits fit a long; 20 stay as written (a double would round them).
        assertEquals(Long.MAX_VALUE, InspectCommand.typed(Long.toString(Long.MAX_VALUE)));
        assertEquals(-1234567890123456789L, InspectCommand.typed("-1234567890123456789"));
        assertEquals("12345678901234567890", InspectCommand.typed("12345678901234567890"));
    }

    @Test
    void versionComesFromTheBuild() {
        CommandRun run = gatun("--version");
        assertEquals(0, run.exit(), run.toString());
        assertEquals("gatun " + Gatun.version(), run.out().strip());
    }
}

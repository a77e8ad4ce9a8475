package dev.gatun.cli;

import dev.gatun.io.ModelFormatException;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint whose training settings describe other layers than the model it holds is refused when read. A run
 * resumed from it is sized by the settings (the memory check, the batch buffers) but trains the stored model, so a
 * changed file could otherwise slip a model of any size past the check.
 */
class CheckpointSettingsTest {
    @TempDir
    Path dir;

    @Test
    void settingsThatDescribeAnotherModelAreRefused() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 200, 100, 12, false);
        Path file = dir.resolve("run.checkpoint");
        CommandRun run = gatun("train", "--data", data.toString(), "--layers", "64,16,4", "--epochs", "1", "--dev", "50",
                "--checkpoint", file.toString());
        assertEquals(0, run.exit(), run.toString());
        Checkpoint written = Checkpoint.read(file);
        assertEquals("64,16,4", written.config().toMap().get("layers"), "the settings as written");

        Map<String, String> changed = written.config().toMap();
        changed.put("layers", "64,4,4");
        Checkpoint forged = new Checkpoint(TrainConfig.fromMap(changed), written.history(), written.out(),
                written.status(), written.data(), written.threads());
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            try (Optimizer optimizer = written.config().buildOptimizer()) {
                ModelIo.restoreOptimizer(file, loaded.model(), optimizer);
                Checkpoint.write(file, forged, loaded.model(), loaded.normalization(), optimizer, null);
            }
            loaded.model().close();
        }
        // Its early-stopping weights: the same history, another network. Left out, as a .best of another run is.
        try (Arena arena = Arena.ofConfined(); Model other = Model.builder(64).dense(4, Activation.RELU)
                .output(4, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            ModelIo.encode(Checkpoint.bestFile(file), other, Normalization.none(64),
                    Map.of("kind", "best-weights", Checkpoint.BEST_OF, written.history().encode())).write();
        }
        assertEquals(null, written.bestWeights(file), "a .best of other layers");

        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("[64, 4, 4]")
                && e.getMessage().contains("[64, 16, 4]"), e.getMessage());
    }

    /** A status edited into something else is named with the values it may take, not as a Java enum lookup. */
    @Test
    void aStatusThatIsNoneOfTheKnownOnesIsNamed() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 200, 100, 12, false);
        Path file = dir.resolve("run.checkpoint");
        assertEquals(0, gatun("train", "--data", data.toString(), "--layers", "64,16,4", "--epochs", "1", "--dev", "50",
                "--checkpoint", file.toString()).exit());
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            Map<String, String> metadata = new java.util.LinkedHashMap<>(loaded.metadata().asMap());
            metadata.put("status", "weird\u001b[2J");
            try (Model model = loaded.model(); Optimizer optimizer = Checkpoint.read(file).config().buildOptimizer()) {
                ModelIo.restoreOptimizer(file, model, optimizer);
                ModelIo.save(file, model, loaded.normalization(), metadata, optimizer);
            }
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().endsWith("its status 'weird\\x1b[2J' is not one of [running, early_stopped]"),
                e.getMessage());
    }
}

package dev.gatun.cli;

import dev.gatun.data.Normalization;
import dev.gatun.io.ModelFormatException;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.History;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: a model file with the optimizer's state ({@link ModelIo}), the training configuration and
 * the history so far in its metadata, and, when early stopping is on, the best weights in a second model file next
 * to it ({@code FILE.best}). Everything {@code --resume} needs to continue bit-identically: the batch order follows
 * (seed, epoch), dropout follows the model's step counter, and both files are written atomically.
 */
record Checkpoint(TrainConfig config, History history) {
    private static final String CONFIG = "config.";

    static Path bestFile(Path checkpoint) {
        return Path.of(checkpoint + ".best");
    }

    static Map<String, String> prefixed(Map<String, String> config) {
        Map<String, String> m = new LinkedHashMap<>();
        config.forEach((k, v) -> m.put(CONFIG + k, v));
        return m;
    }

    static void write(Path file, TrainConfig config, Model model, Normalization normalization, Optimizer optimizer,
                      History history, Model best) throws IOException {
        if (best != null) {
            ModelIo.save(bestFile(file), best, normalization, Map.of("kind", "best-weights"));
        }
        Map<String, String> metadata = prefixed(config.toMap());
        metadata.put("kind", "checkpoint");
        metadata.put("history", history.encode());
        ModelIo.save(file, model, normalization, metadata, optimizer);
    }

    static Checkpoint read(Path file) throws IOException {
        Map<String, String> metadata;
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            loaded.model().close();
            metadata = loaded.metadata();
            if (!"checkpoint".equals(metadata.get("kind")) || !loaded.hasOptimizer()) {
                throw new ModelFormatException(file, "is not a training checkpoint (written by gatun train after each "
                        + "epoch as OUT.checkpoint); a model file cannot be resumed");
            }
        }
        Map<String, String> config = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (k.startsWith(CONFIG)) {
                config.put(k.substring(CONFIG.length()), v);
            }
        });
        try {
            return new Checkpoint(TrainConfig.fromMap(config), History.decode(metadata.get("history")));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }
}

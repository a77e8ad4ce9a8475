package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.train.ClusterTraining;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;
import dev.gatun.train.History;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The epoch lines of a cluster run, printed as the cluster finishes each epoch: the engine hands over the epoch's
 * loss, time and model, and the model is evaluated here on the training rows and the dev set, so each line reads as
 * {@code gatun train}'s does. The history they make is the run's.
 */
final class ClusterEpochs implements ClusterTraining.Progress {
    private final DataSet train;
    private final DataSet dev;
    private final History history = new History();

    ClusterEpochs(DataSet train, DataSet dev) {
        this.train = train;
        this.dev = dev;
    }

    @Override
    public void epochFinished(ClusterTraining.Epoch epoch) throws IOException {
        // Called on the engine's thread: the arena is this call's own.
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = load(epoch.modelFile(), arena);
            try (Model model = loaded.model()) {
                Evaluation trainFit = evaluate(train, model, loaded);
                Evaluation devFit = dev == null ? null : evaluate(dev, model, loaded);
                EpochStats stats = new EpochStats(epoch.epoch(), epoch.loss(), trainFit.accuracy(),
                        devFit == null ? Double.NaN : devFit.loss(), devFit == null ? Double.NaN : devFit.accuracy(),
                        epoch.learningRate(), train.size() / epoch.seconds(), epoch.seconds());
                history.add(stats);
                System.out.println(ProgressBar.epochLine(stats));
            }
        }
    }

    History history() {
        return history;
    }

    private static Evaluation evaluate(DataSet data, Model model, ModelIo.LoadedModel loaded) {
        try (Evaluator evaluator = new Evaluator(data, loaded.normalization(), Evaluator.DEFAULT_BATCH)) {
            return evaluator.evaluate(model);
        }
    }

    /** An engine's model file, read through a private temporary file. */
    static ModelIo.LoadedModel load(byte[] modelFile, Arena arena) throws IOException {
        Path folder = Files.createTempDirectory("gatun-cluster-model");
        Path file = folder.resolve("model.gatun");
        try {
            Files.write(file, modelFile);
            return ModelIo.load(file, arena);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder);
        }
    }
}

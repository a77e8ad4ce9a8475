package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
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
 * {@code gatun train}'s does. The history they make is the run's, a resumed run's earlier epochs first; with a
 * checkpoint file, each epoch's state is written there as {@code gatun train} writes it, so that {@code --resume}
 * continues a cluster run as it continues any other.
 */
final class ClusterEpochs implements ClusterTraining.Progress {
    private final DataSet train;
    private final DataSet dev;
    private final History history = new History();
    private final Checkpoints checkpoints;

    /** Where each epoch's checkpoint goes, and what it records besides the model. */
    record Checkpoints(Path file, TrainConfig config, Path out, Checkpoint.Data data) {}

    /**
     * @param before the epochs of the run this one resumes, in order (empty for a new run)
     * @param checkpoints where to write each epoch's checkpoint; null for none
     */
    ClusterEpochs(DataSet train, DataSet dev, History before, Checkpoints checkpoints) {
        this.train = train;
        this.dev = dev;
        before.epochs().forEach(history::add);
        this.checkpoints = checkpoints;
    }

    @Override
    public void epochFinished(ClusterTraining.Epoch epoch) throws IOException {
        // Called on the engine's thread: the arena is this call's own.
        try (Arena arena = Arena.ofConfined()) {
            Path file = temporaryFile(epoch.modelFile());
            try {
                ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
                try (Model model = loaded.model()) {
                    Evaluation trainFit = evaluate(train, model, loaded);
                    Evaluation devFit = dev == null ? null : evaluate(dev, model, loaded);
                    EpochStats stats = new EpochStats(epoch.epoch(), epoch.loss(), trainFit.accuracy(),
                            devFit == null ? Double.NaN : devFit.loss(), devFit == null ? Double.NaN : devFit.accuracy(),
                            epoch.learningRate(), train.size() / epoch.seconds(), epoch.seconds());
                    history.add(stats);
                    if (checkpoints != null) {
                        writeCheckpoint(file, model, loaded);
                    }
                    System.out.println(ProgressBar.epochLine(stats));
                }
            } finally {
                deleteTemporary(file);
            }
        }
    }

    private void writeCheckpoint(Path epochFile, Model model, ModelIo.LoadedModel loaded) throws IOException {
        try (Optimizer optimizer = checkpoints.config().buildOptimizer()) {
            ModelIo.restoreOptimizer(epochFile, model, optimizer);
            Checkpoint.write(checkpoints.file(), new Checkpoint(checkpoints.config(), history, checkpoints.out(),
                    Checkpoint.Status.RUNNING, checkpoints.data()), model, loaded.normalization(), optimizer, null);
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
        Path file = temporaryFile(modelFile);
        try {
            return ModelIo.load(file, arena);
        } finally {
            deleteTemporary(file);
        }
    }

    /** {@code modelFile}'s bytes in a file of a private temporary folder, which {@link #deleteTemporary} removes. */
    private static Path temporaryFile(byte[] modelFile) throws IOException {
        Path file = Files.createTempDirectory("gatun-cluster-model").resolve("model.gatun");
        try {
            return Files.write(file, modelFile);
        } catch (IOException e) {
            deleteTemporary(file);
            throw e;
        }
    }

    private static void deleteTemporary(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }
}

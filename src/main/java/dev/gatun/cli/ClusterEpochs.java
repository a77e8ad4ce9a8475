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
 * {@code gatun train}'s does. The history they make is the run's, a resumed run's earlier epochs first.
 *
 * <p>Early stopping decides here, by {@code gatun train}'s rule: the epoch with the lowest dev loss is the best,
 * its model is kept, and after {@code patience} epochs without a better one (before the last epoch) the engine is
 * told to stop; the run's model is then the best epoch's, as it is at the end of any run with early stopping on.
 * With a checkpoint file, each epoch's state is written there as {@code gatun train} writes it (with the best
 * weights beside it under early stopping), so that {@code --resume} continues a cluster run as it continues any other.
 */
final class ClusterEpochs implements ClusterTraining.Progress {
    private final DataSet train;
    private final DataSet dev;
    private final History history = new History();
    private final Checkpoints checkpoints;
    private final int patience;
    private final int epochs;
    private double bestDevLoss = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    /** The best epoch's model file under early stopping; null before one is known. */
    private byte[] bestModel;
    private boolean stopped;

    /** Where each epoch's checkpoint goes, and what it records besides the model. */
    record Checkpoints(Path file, TrainConfig config, Path out, Checkpoint.Data data) {}

    /**
     * @param before the epochs of the run this one resumes, in order (empty for a new run)
     * @param bestBefore the resumed run's best weights under early stopping (its {@code FILE.best}); null when none
     * @param lastBefore the resumed run's last epoch's model file (its checkpoint); null for a new run
     * @param patience early stopping's patience in epochs; 0 for none (as without a dev set)
     * @param epochs the run's epochs in all
     * @param checkpoints where to write each epoch's checkpoint; null for none
     */
    ClusterEpochs(DataSet train, DataSet dev, History before, byte[] bestBefore, byte[] lastBefore, int patience,
                  int epochs, Checkpoints checkpoints) {
        this.train = train;
        this.dev = dev;
        this.patience = dev == null ? 0 : patience;
        this.epochs = epochs;
        this.checkpoints = checkpoints;
        for (EpochStats e : before.epochs()) {
            history.add(e);
        }
        if (bestBefore != null) {
            before.epochs().forEach(this::track);
            bestModel = bestBefore;
        } else if (!before.isEmpty()) {
            // Without the best weights the run can go back only to the last epoch's, as gatun train's Trainer does:
            // counting from an earlier best would stop and report that epoch while keeping another's weights.
            bestEpoch = before.last().epoch();
            if (track(before.last()) && patience > 0) {
                bestModel = lastBefore;
            }
        }
    }

    @Override
    public void epochFinished(ClusterTraining.Epoch epoch) throws IOException {
        if (!Double.isFinite(epoch.loss())) {
            // The replicas end an epoch at the step that diverged, and the engine would fail the run on this report
            // anyway; thrown here, the failure says what to change in this command's words (--lr).
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "training diverged in epoch %d"
                    + " (learning rate %.3g): its training loss is %s; lower --lr (or add decay)%s%s", epoch.epoch(),
                    epoch.learningRate(), epoch.loss(), epoch.epoch() > 1 ? "" : ", or if it is already small, look"
                            + " at the scale of the features (--normalize), of regression targets and of the penalty"
                            + " (--l2, --l1)", checkpoints == null ? ""
                            : "; the last finished epoch before it is in the checkpoint"));
        }
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
                    if (track(stats) && patience > 0) {
                        bestModel = epoch.modelFile();
                    }
                    stopped = patience > 0 && stats.epoch() - bestEpoch >= patience && stats.epoch() < epochs;
                    if (checkpoints != null) {
                        writeCheckpoint(file, model, loaded, arena);
                    }
                    System.out.println(ProgressBar.epochLine(stats));
                }
            } finally {
                deleteTemporary(file);
            }
        }
    }

    @Override
    public boolean trainOnAfter(int epoch) {
        return !stopped;
    }

    /** Whether early stopping ended the run before its last epoch. */
    boolean stoppedEarly() {
        return stopped;
    }

    /** The epoch whose model the run ends with: the best by dev loss under early stopping, else the last. */
    int bestEpoch() {
        return bestEpoch;
    }

    /** The run's model: the best epoch's under early stopping, else {@code last} (the engine's final model). */
    byte[] finalModel(byte[] last) {
        return patience > 0 && bestModel != null && bestEpoch != history.last().epoch() ? bestModel : last;
    }

    History history() {
        return history;
    }

    /** Takes an epoch into the best-epoch count; true when it is the new best. */
    private boolean track(EpochStats e) {
        if (patience > 0) {
            if (e.devLoss() < bestDevLoss) {
                bestDevLoss = e.devLoss();
                bestEpoch = e.epoch();
                return true;
            }
            return false;
        }
        bestEpoch = e.epoch();
        return true;
    }

    private void writeCheckpoint(Path epochFile, Model model, ModelIo.LoadedModel loaded, Arena arena)
            throws IOException {
        try (Optimizer optimizer = checkpoints.config().buildOptimizer()) {
            ModelIo.restoreOptimizer(epochFile, model, optimizer);
            // The best epoch is often this one: its model is then the one already loaded.
            boolean bestIsThis = bestEpoch == history.last().epoch();
            Model best = patience == 0 || bestModel == null ? null
                    : bestIsThis ? model : load(bestModel, arena).model();
            try {
                Checkpoint.write(checkpoints.file(), new Checkpoint(checkpoints.config(), history, checkpoints.out(),
                        stopped ? Checkpoint.Status.EARLY_STOPPED : Checkpoint.Status.RUNNING, checkpoints.data(), 0),
                        model, loaded.normalization(), optimizer, best);
            } finally {
                if (best != null && !bestIsThis) {
                    best.close();
                }
            }
        }
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

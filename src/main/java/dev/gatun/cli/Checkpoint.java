package dev.gatun.cli;

import dev.gatun.data.Normalization;
import dev.gatun.io.EncodedModel;
import dev.gatun.io.ModelFormatException;
import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.EpochStats;
import dev.gatun.train.History;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training checkpoint: a model file with the optimizer's state ({@link ModelIo}), the training configuration, the
 * history so far, the run's model path ({@code --out}, null when it had none), how the run stands and where its data
 * came from in its metadata, and, when early stopping is on, the best weights in a second model file next to it
 * ({@code FILE.best}). Everything {@code --resume} needs to continue bit-identically without the data options: the
 * batch order follows (seed, epoch), dropout follows the model's step counter, a CSV file is read again with the
 * same classes in the same order, and both files are written atomically.
 */
record Checkpoint(TrainConfig config, History history, Path out, Status status, Data data, int threads) {
    private static final String CONFIG = ModelMetadata.CONFIG_PREFIX;
    /**
     * The threads a single-process run trained with (BLAS, and as many for the step's own work): its results depend
     * on them (the replicas' gradient sums), so a resumed run takes them again unless --threads is given. 0 for a
     * Spark run, or a checkpoint written before they were recorded.
     */
    static final String THREADS = "threads";
    private static final String OUT = "out";
    private static final String STATUS = "status";
    /** The rows the test and dev sets were drawn from: the same file with other rows would draw them anew. */
    static final String DATA_ROWS = "data.rows";
    /** In {@code FILE.best}: the history of the checkpoint it was written with, which pairs the two. */
    static final String BEST_OF = "best_of";

    /**
     * Where the run's data came from.
     *
     * @param source the data options of the run (empty in checkpoints written before they were kept)
     * @param classNames a CSV classifier's classes in index order; empty for images and regressions
     * @param featureNames a CSV file's feature columns as its header names them; empty when it has none
     * @param dataRows the rows the run drew its test (a --test-split) and dev rows from; 0 when not recorded
     */
    record Data(DataSource source, List<String> classNames, List<String> featureNames, long dataRows) {
        Data {
            classNames = List.copyOf(classNames);
            featureNames = List.copyOf(featureNames);
        }
    }

    /** A count the metadata holds under {@code key}; 0 when it is not recorded (older checkpoints). */
    private static long count(Map<String, String> metadata, String key, String what, long max) {
        String value = metadata.get(key);
        try {
            long n = value == null ? 0 : Long.parseLong(value);
            if (n < 0 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("its " + key + " '" + UserText.cell(value) + "' is not " + what);
        }
    }

    /** Where the run stands. Checkpoints written before the status was recorded read as {@link #RUNNING}. */
    enum Status {
        /** Epochs may follow: the run was interrupted, or it finished the epochs it was asked for and may be extended. */
        RUNNING,
        /** Early stopping ended the run; it restored the best weights and training on would undo its decision. */
        EARLY_STOPPED
    }

    /** The status a checkpoint's metadata names; anything else is named with the values it may take. */
    private static Status status(String value) {
        for (Status s : Status.values()) {
            if (s.name().toLowerCase(Locale.ROOT).equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("its " + STATUS + " '" + UserText.cell(value) + "' is not one of "
                + java.util.Arrays.stream(Status.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
    }

    static Path bestFile(Path checkpoint) {
        return Path.of(checkpoint + ".best");
    }

    /**
     * Early stopping's best weights for this checkpoint, read from {@code file} (the checkpoint's path), when its
     * {@code FILE.best} belongs to it: written with the same history, as every epoch writes the two. A {@code .best} an
     * earlier run left at the same path, or one written just before a kill stopped the checkpoint's own write, belongs
     * to another state: it is left out, saying so, and the run counts from its last epoch. Null when there is none.
     * A {@code .best} from before the history was recorded in it is taken when its layers are the checkpoint's.
     */
    Path bestWeights(Path file) throws IOException {
        return bestWeights(file, true);
    }

    private Path bestWeights(Path file, boolean sayWhenIgnored) throws IOException {
        Path best = bestFile(file);
        if (!Files.exists(best)) {
            return null;
        }
        ModelIo.Description description = ModelIo.describe(best);
        String writtenWith = description.metadata().asMap().get(BEST_OF);
        // The layers always: a changed .best of the same history could otherwise bring another model past the run's
        // memory check, which is sized from the checkpoint's settings.
        boolean belongs = description.spec().widths().equals(config.modelSpec().widths())
                && (writtenWith == null || writtenWith.equals(history.encode()));
        if (!belongs) {
            if (sayWhenIgnored) {
                System.out.printf("ignoring %s: it was written with another run or epoch than %s; early stopping counts"
                        + " from epoch %d%n", best, file, history.size());
            }
            return null;
        }
        return best;
    }

    static Map<String, String> prefixed(Map<String, String> config) {
        Map<String, String> m = new LinkedHashMap<>();
        config.forEach((k, v) -> m.put(CONFIG + k, v));
        return m;
    }

    static void write(Path file, Checkpoint checkpoint, Model model, Normalization normalization, Optimizer optimizer,
                      Model best) throws IOException {
        for (EncodedModel encoded : encode(file, checkpoint, model, normalization, optimizer, best)) {
            encoded.write();
        }
    }

    /**
     * What {@link #write} writes, encoded now: early stopping's best weights (when {@code best} is not null) and then
     * the checkpoint, in the order to write them.
     */
    static List<EncodedModel> encode(Path file, Checkpoint checkpoint, Model model, Normalization normalization,
                                     Optimizer optimizer, Model best) {
        List<EncodedModel> files = new ArrayList<>(2);
        if (best != null) {
            files.add(ModelIo.encode(bestFile(file), best, normalization,
                    Map.of("kind", "best-weights", BEST_OF, checkpoint.history().encode())));
        }
        Map<String, String> metadata = prefixed(checkpoint.config().toMap());
        metadata.put("kind", "checkpoint");
        metadata.put("history", checkpoint.history().encode());
        if (checkpoint.out() != null) {
            metadata.put(OUT, checkpoint.out().toAbsolutePath().toString());
        }
        metadata.put(STATUS, checkpoint.status().name().toLowerCase(Locale.ROOT));
        Data data = checkpoint.data();
        metadata.putAll(data.source().toMap());
        if (!data.classNames().isEmpty()) {
            metadata.put(ModelMetadata.CLASSES, ModelMetadata.encodeList(data.classNames()));
        }
        if (!data.featureNames().isEmpty()) {
            metadata.put(ModelMetadata.FEATURE_NAMES, ModelMetadata.encodeList(data.featureNames()));
        }
        metadata.put(DATA_ROWS, Long.toString(data.dataRows()));
        if (checkpoint.threads() > 0) {
            metadata.put(THREADS, Integer.toString(checkpoint.threads()));
        }
        files.add(ModelIo.encode(file, model, normalization, metadata, optimizer));
        return files;
    }

    /**
     * Fails, saying why, when training on from this checkpoint to {@code epochs} in total would be wrong: the run
     * stopped early, or its patience ran out on its last planned epoch (where the check does not stop a run, and one
     * run of the larger epoch count would have stopped), or it already has that many epochs.
     */
    void requireResumable(Path file, int epochs) throws IOException {
        if (status == Status.EARLY_STOPPED) {
            throw new IllegalArgumentException("--resume " + file + ": that run stopped early after epoch " + history.size()
                    + " (its dev loss had stopped improving) and is finished" + (out == null ? "" : "; its model is " + out));
        }
        if (patienceRanOut(file)) {
            throw new IllegalArgumentException("--resume " + file + ": that run's --early-stop patience of "
                    + config.earlyStop() + " ran out at its last epoch, " + history.size() + " (its dev loss had not"
                    + " improved since), so it is finished: a longer run would have stopped there"
                    + (out == null ? "" : "; its model is " + out));
        }
        if (history.size() >= epochs) {
            throw new IllegalArgumentException("--resume " + file + ": that run has finished " + history.size()
                    + " epochs already; pass --epochs N with N > " + history.size() + " to train on");
        }
    }

    /**
     * Whether early stopping is on and the last epoch is {@code --early-stop} epochs past the best dev loss, counted as
     * the trainer counts it: from the lowest dev loss when the best weights are at hand, else from the last epoch.
     */
    private boolean patienceRanOut(Path file) throws IOException {
        if (config.earlyStop() == 0 || history.isEmpty() || bestWeights(file, false) == null) {
            return false;
        }
        EpochStats lowest = history.lowestDevLoss();
        return history.last().epoch() - (lowest == null ? 0 : lowest.epoch()) >= config.earlyStop();
    }

    static Checkpoint read(Path file) throws IOException {
        Map<String, String> metadata;
        List<String> classNames;
        List<String> featureNames;
        ModelSpec stored;
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            stored = loaded.model().spec();
            loaded.model().close();
            metadata = loaded.metadata().asMap();
            classNames = loaded.metadata().classNames();
            featureNames = loaded.metadata().featureNames();
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
            Status status = status(metadata.getOrDefault(STATUS, "running"));
            TrainConfig settings = TrainConfig.fromMap(config);
            // The run is sized (memory check, batch buffers) and reported from its settings, but trains the stored
            // model: the two must be the same network, or a changed file could slip a large model past the check.
            if (!settings.modelSpec().widths().equals(stored.widths())) {
                throw new ModelFormatException(file, "its training settings describe layers "
                        + settings.modelSpec().widths() + " but it holds a model of layers " + stored.widths()
                        + ": the file was changed after gatun train wrote it");
            }
            return new Checkpoint(settings, History.decode(metadata.get("history")),
                    metadata.containsKey(OUT) ? Path.of(metadata.get(OUT)) : null, status,
                    new Data(DataSource.fromMap(metadata), classNames, featureNames,
                            count(metadata, DATA_ROWS, "a row count", Long.MAX_VALUE)),
                    (int) count(metadata, THREADS, "a thread count", Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }
}

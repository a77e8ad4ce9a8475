package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.csv.CsvFormat;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.io.EncodedModel;
import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.EpochStats;
import dev.gatun.train.ClusterTraining;
import dev.gatun.train.History;
import dev.gatun.train.Trainer;
import dev.gatun.train.TrainingListener;
import dev.gatun.train.TrainingResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gatun train}: the README's main job. Trains a network on an MNIST-format directory (Fashion-MNIST by
 * default) with a progress bar, evaluates the dev set every epoch and the test set at the end, reads the result the
 * course's way (bias vs variance), and leaves a model file, a checkpoint per epoch and pictures behind.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network on MNIST-format data (default: Debian's Fashion-MNIST) and report test accuracy.")
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    /** Rows from which a CSV table gets a dev set by default (a tenth of them): fewer make a dev set of noise. */
    private static final int TABLE_DEV_MINIMUM = 50;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    TestSetOptions testSet;

    @Mixin
    NetworkOptions network;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, rmsprop, adam (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate α₀ (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--beta1", defaultValue = "0.9", description = "Momentum/Adam β₁ (default ${DEFAULT-VALUE}).")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "RMSprop/Adam β₂ (default ${DEFAULT-VALUE}).")
    double beta2;

    @Option(names = "--decay", defaultValue = "none", description = "none, inverse-time:K, exponential:R, inverse-sqrt:K, staircase:FACTOR:EVERY (default ${DEFAULT-VALUE}).")
    String decay;

    @Option(names = "--decay-per", defaultValue = "epoch", description = "Apply the decay per epoch or per step (default ${DEFAULT-VALUE}).")
    String decayPer;

    @Option(names = "--batch", defaultValue = "128", description = "Mini-batch size; 1 is SGD, the training set size is batch GD (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs in total, counting a resumed run's (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--l2", defaultValue = "0", description = "L2 regularization λ (default ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--l1", defaultValue = "0", description = "L1 regularization λ (default ${DEFAULT-VALUE}).")
    double l1;

    @Option(names = "--dropout", description = "Keep probability, or one per hidden layer (e.g. 0.8,0.9); none by default.")
    String dropout;

    @Option(names = "--batchnorm", description = "Batch norm on every hidden layer.")
    boolean batchNorm;

    @Option(names = "--normalize", description = "none, scale-to-unit, standardize-global, standardize-per-feature (default scale-to-unit for images, standardize-per-feature for CSV data).")
    String normalize;

    @Option(names = "--augment", description = "Random horizontal flips and shifts of up to 2 pixels.")
    boolean augment;

    @Option(names = "--dev", description = "Dev samples carved from train by the seed; 0 for none (default 5000 for images; for CSV data a tenth of the rows from 50 rows on, else 0).")
    Integer dev;

    @Option(names = "--early-stop", defaultValue = "0", description = "Stop after N epochs without a better dev loss, restoring the best weights; 0 = off.")
    int earlyStop;

    @Option(names = "--seed", defaultValue = "42", description = "Seeds initialisation, the dev split, shuffling and dropout (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "OpenBLAS threads, and as many threads for the rest of each step"
            + " (default: OpenBLAS's own choice).")
    Integer threads;

    @Option(names = "--out", description = "Write the trained model here (and a checkpoint to OUT.checkpoint every epoch).")
    Path out;

    @Option(names = "--checkpoint", description = "Checkpoint file written after every epoch (default OUT.checkpoint with --out).")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue the run saved in this checkpoint (its configuration applies; --epochs may extend it).")
    Path resume;

    @Option(names = "--plots", description = "Write loss/accuracy, learning-rate and confusion-matrix PNGs to this directory.")
    Path plots;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Train on Apache Spark instead: local[N] or spark://host:port (needs Gatun's Spark module; ./gatun adds it).")
    String spark;

    @Option(names = "--partitions", defaultValue = "0", description = "With --spark: replicas (barrier tasks); 0 = one per task the application runs at once, executor cores / spark.task.cpus (default ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        if (epochs < 1) {
            throw new UsageException("--epochs must be >= 1, got " + epochs);
        }
        if (threads != null) {
            if (threads < 1) {
                throw new UsageException("--threads must be >= 1, got " + threads);
            }
            Blas.setThreads(threads);
        }
        if (plots != null) {
            Plots.warmUpInBackground();
        }
        ClusterTraining engine = spark != null ? ClusterRun.requireUsable(this) : null;
        Checkpoint resumed = resume == null ? null : Checkpoint.read(resume);
        if (resumed != null) {
            resumed.requireResumable(resume, epochs);
            // The run's thread count, unless --threads says otherwise: a dense model's steps sum their replicas'
            // gradients in an order that depends on it, so another count would not continue the run bit for bit.
            if (threads == null && engine == null && resumed.threads() > 0 && resumed.threads() != Blas.threads()) {
                LOG.info("resuming with the run's {} threads (this machine's default is {}; --threads replaces it)",
                        resumed.threads(), Blas.threads());
                Blas.setThreads(resumed.threads());
            }
        }
        boolean regression = resumed != null ? resumed.config().regression() : data.regression();
        // A resumed run reads the data its checkpoint recorded; options given on this command line replace it.
        DataSource source = resumed != null ? data.source(testSet).over(resumed.data().source())
                : data.source(testSet);
        try (TrainingData input = openData(resumed, regression, source)) {
            if (resumed != null) {
                requireResumedFeatures(resumed, input);
                requireResumedRows(resumed, input, source);
                ResumedOptions.requireSame(this, spec.commandLine().getParseResult(), resumed.config(), resume);
            }
            TrainConfig config = resumed != null ? resumed.config() : configFromOptions(input, regression);
            if (engine != null && resumed != null) {
                ClusterRun.requireResumable(config, resume);
            }
            // A resumed run finishes what the first one started: its model goes where that run's --out pointed.
            Path outFile = out != null ? out : resumed != null ? resumed.out() : null;
            Path checkpointFile = checkpoint != null ? checkpoint : resumed != null ? resume
                    : out != null ? Path.of(out + ".checkpoint") : null;
            // Every refusal before any output is touched: a refused run leaves no directory or lock file behind.
            checkData(config, input.train());
            Map<String, Path> inputs = input.inputFiles(source);
            if (outFile != null) {
                Map<String, Path> read = new java.util.LinkedHashMap<>(inputs);
                read.put("--resume", resume);   // the checkpoint may be rewritten by the run, never replaced by the model
                OutputPaths.requireNotInput("--out", outFile, read);
            }
            if (checkpointFile != null) {
                OutputPaths.requireNotInput("--checkpoint", checkpointFile, inputs);
                if (outFile != null) {
                    OutputPaths.requireDistinct("--checkpoint", checkpointFile, "--out", outFile);
                }
            }
            if (outFile != null || checkpointFile != null) {
                requireStorableNames(input);
            }
            // Creates missing directories.
            checkOutputs(config, input.train().size(), outFile, checkpointFile, inputs);
            // Shared: the trainer's step threads update the parameters too, and a confined arena's memory is its owner's.
            try (Locks locks = Locks.of(outFile, checkpointFile); Arena arena = Arena.ofShared()) {
                if (engine != null) {
                    return new ClusterRun(engine, spark, partitions, epochs).train(config, input, plots, json.requested,
                            outFile, arena, resumed, resume, checkpointFile == null ? null
                                    : new ClusterEpochs.Checkpoints(checkpointFile, config, outFile, checkpointData(config, input, source)));
                }
                return train(config, input, source, arena, resumed, outFile, checkpointFile);
            }
        }
    }

    private int train(TrainConfig config, TrainingData input, DataSource source, Arena arena, Checkpoint resumed,
                      Path outFile, Path checkpointFile) throws IOException {
        DataSet train = input.train();
        DataSet.Split split = config.dev() > 0 ? train.split(config.dev(), config.seed()) : null;
        DataSet trainSplit = split != null ? split.train() : train;
        try (Optimizer opt = config.buildOptimizer()) {
            Start start = resumed != null ? resume(arena, opt, resumed)
                    : new Start(config.buildModel(arena), config.normalization(trainSplit), null, null);
            try (Model model = start.model(); Model best = start.best()) {
                Normalization normalization = start.normalization();
                History history = start.history();
                System.out.printf("training %s on %s: %d train, %d dev samples; %s, batch %d, %s, BLAS threads %d%n",
                        config.layers(), input.source(), trainSplit.size(), split == null ? 0 : split.dev().size(),
                        opt, config.batch(), config.schedule(), Blas.threads());
                // Checkpoints reach the disk on a thread of their own while the next epoch steps.
                try (BackgroundWrites writes = new BackgroundWrites()) {
                    CheckpointWriter writer = checkpointFile == null ? null
                            : new CheckpointWriter(checkpointFile, config, outFile, model, normalization, opt,
                            checkpointData(config, input, source), Blas.threads(), new AtomicReference<>(), writes);
                    ProgressBar progress = new ProgressBar(System.out, ProgressBar.stdoutIsTerminal());
                    Trainer.Builder builder = Trainer.builder(model, opt, trainSplit).dev(split == null ? null : split.dev())
                            .normalization(normalization).batchSize(config.batch()).epochs(epochs).seed(config.seed())
                            .schedule(config.schedule()).earlyStopping(config.earlyStop()).augmentation(config.augmentation())
                            .listener(writer == null ? progress : new Both(progress, writer));
                    if (history != null) {
                        builder.resume(history, best);
                    }
                    try (Trainer trainer = builder.build()) {
                        if (writer != null) {
                            writer.trainer().set(trainer);
                        }
                        TrainingResult result = trainer.run();
                        if (writer != null) {
                            if (result.outcome() == TrainingResult.Outcome.EARLY_STOPPED) {
                                writer.write(Checkpoint.Status.EARLY_STOPPED);
                            }
                            // The model is not reported while the last checkpoint may still fail to reach the disk.
                            writer.finish();
                        }
                        return new TrainReport(config, input, split, plots, json.requested,
                                Map.of("warm_up_seconds", trainer.warmUpSeconds()))
                                .report(result, model, normalization, outFile);
                    }
                }
            }
        }
    }

    /**
     * The model file keeps the CSV file's class and column names as tab-separated lists: a name holding a tab or a
     * newline (legal in a quoted cell) cannot be stored, and finding out at the first checkpoint would cost an epoch.
     */
    private static void requireStorableNames(TrainingData input) {
        for (var names : List.of(Map.entry("class", input.classNames()), Map.entry("column", input.featureNames()))) {
            for (String name : names.getValue()) {
                if (!ModelMetadata.canStore(name)) {
                    throw new IllegalArgumentException(input.source() + ": the " + names.getKey() + " name "
                            + CsvFormat.quote(name) + " holds a tab or a newline, which the model file's name lists"
                            + " cannot store; rename it in the file");
                }
            }
        }
    }

    /** What a checkpoint records of the run's data, so that --resume reads the same data the same way. */
    private static Checkpoint.Data checkpointData(TrainConfig config, TrainingData input, DataSource source) {
        return new Checkpoint.Data(source, input.table() && !config.regression() ? input.classNames() : List.of(),
                input.featureNames(), input.dataRows());
    }

    /**
     * The CSV file with its label, or the MNIST-format directory; the options that only split CSV data refused
     * otherwise. A resumed CSV classifier reads its file with the checkpoint's classes, so each label keeps the
     * index the model learnt it under (a file whose labels are not among them stops with the line and column).
     */
    private TrainingData openData(Checkpoint resumed, boolean regression, DataSource source) throws IOException {
        if (resumed == null) {
            return source.open(NetworkOptions.classes(network.widths().getLast()), regression, List.of(), seed);
        }
        return source.open(resumed.config().classes(), regression, resumed.data().classNames(),
                resumed.config().seed());
    }

    /**
     * The data a resumed run reads, recorded or given anew, has the model's features: as many, and (when both the
     * checkpoint and the file name them) the same columns in the same order.
     */
    private void requireResumedFeatures(Checkpoint resumed, TrainingData input) {
        int features = input.train().features();
        if (features != resumed.config().inputs()) {
            throw new IllegalArgumentException("--resume " + resume + ": its model takes " + resumed.config().inputs()
                    + " features per sample but " + input.source() + " has " + features);
        }
        FeatureColumns.requireSame("--resume " + resume, resumed.data().featureNames(), input.source(),
                input.featureNames());
    }

    /**
     * The recorded data file, resumed, has the rows the run drew from: the test rows (a --test-split) and the dev set
     * are drawn from the row count and the seed, so a file with rows added or removed would draw them anew, moving
     * rows the model has trained on into them. Another data file (fine-tuning on new data) is not compared.
     */
    private void requireResumedRows(Checkpoint resumed, TrainingData input, DataSource source) {
        long recorded = resumed.data().dataRows();
        long rows = input.dataRows();
        if (recorded > 0 && rows != recorded && DataSource.sameFile(source.data(), resumed.data().source().data())) {
            throw new IllegalArgumentException("--resume " + resume + ": the run drew its dev" + (source.testSplit()
                    != null ? " and test rows" : " rows") + " from " + recorded + " rows, " + input.source()
                    + " now has " + rows + "; drawing them again would move rows the model was trained on into them."
                    + " Restore the data, or start a new run");
        }
    }

    /**
     * Everything this run will write can be written, before any data is read: a bad --out must not cost an epoch.
     * The sizes are upper estimates from the layer widths (float32 weights; a checkpoint adds the optimizer's state,
     * at most two tensors per weight, and early stopping's best weights).
     */
    private void checkOutputs(TrainConfig config, int trainRows, Path outFile, Path checkpointFile,
                              Map<String, Path> inputs) {
        requireMemory(config, trainRows);
        long parameterBytes = 0;
        List<Integer> widths = config.layers();
        for (int l = 1; l < widths.size(); l++) {
            parameterBytes += 4L * (widths.get(l - 1) + 2L) * widths.get(l);
        }
        long slack = 1 << 16;
        if (outFile != null) {
            OutputPaths.checkFile("--out", outFile, parameterBytes + slack);
        }
        if (checkpointFile != null) {
            OutputPaths.checkFile("--checkpoint", checkpointFile, 4 * parameterBytes + slack);
        }
        if (plots != null) {
            Plots.checkDirectory("--plots " + plots, plots, inputs);
            for (String name : Plots.NAMES) {
                // A plot written over this run's model or checkpoint (--out plots/loss-accuracy.png) would replace it.
                Path plot = plots.resolve(name);
                if (outFile != null) {
                    OutputPaths.requireDistinct("--plots " + plots + ":", plot, "--out", outFile);
                }
                if (checkpointFile != null) {
                    OutputPaths.requireDistinct("--plots " + plots + ":", plot, "--checkpoint", checkpointFile);
                }
            }
        }
    }

    /**
     * Off-heap memory is not bounded by the heap's -Xmx: layers far too wide for the machine (--layers 3,2000000000,2)
     * were allocated, and the kernel killed the JVM while the memory was being zeroed, with no message. A lower
     * estimate of what training needs (weights, gradients, two optimizer moments and early stopping's copy; a batch's
     * activations and their gradients, twice), in double so that no width overflows it, is held against the
     * machine's memory.
     */
    private static void requireMemory(TrainConfig config, int trainRows) {
        // Copies of the parameters: the weights, their gradients, the optimizer's moments, early stopping's best.
        int copies = 2 + switch (config.optimizer()) {
            case SGD -> 0;
            case MOMENTUM, RMSPROP -> 1;
            case ADAM -> 2;
        } + (config.earlyStop() > 0 ? 1 : 0);
        double rows = Math.min(config.batch(), trainRows);   // the Trainer's batch: --batch beyond the data is batch GD
        double bytes = 0;
        List<Integer> widths = config.layers();
        for (int l = 1; l < widths.size(); l++) {
            bytes += copies * 4.0 * (widths.get(l - 1) + 2.0) * widths.get(l) + 4 * 4.0 * rows * widths.get(l);
        }
        long machine = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        if (machine > 0 && bytes > machine) {
            throw new UsageException(String.format(java.util.Locale.ROOT, "--layers %s with --batch %d needs at least"
                    + " %.1f GB of memory to train, more than this machine's %.1f GB", NetworkOptions.text(config.layers()),
                    config.batch(), bytes / 1e9, machine / 1e9));
        }
    }

    /** The writer locks of a run's model and checkpoint, held until it ends. */
    private record Locks(List<WriterLock> held) implements AutoCloseable {
        static Locks of(Path outFile, Path checkpointFile) throws IOException {
            List<WriterLock> held = new ArrayList<>();
            try {
                if (outFile != null) {
                    held.add(WriterLock.acquire(outFile, "--out " + outFile));
                }
                if (checkpointFile != null) {   // never the --out file: OutputPaths.requireDistinct refused that
                    held.add(WriterLock.acquire(checkpointFile, "the checkpoint " + checkpointFile));
                }
                return new Locks(held);
            } catch (IOException | RuntimeException e) {
                new Locks(held).close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            for (WriterLock lock : held) {
                lock.close();
            }
        }
    }

    /** What a run starts from: a fresh model, or a checkpoint's model, normalisation, history and best weights. */
    private record Start(Model model, Normalization normalization, Model best, History history) {}

    private Start resume(Arena arena, Optimizer opt, Checkpoint resumed) throws IOException {
        ModelIo.LoadedModel loaded = ModelIo.load(resume, arena);
        ModelIo.restoreOptimizer(resume, loaded.model(), opt);
        System.out.printf("resuming %s after epoch %d of %d%n", resume, resumed.history().size(), epochs);
        Path bestFile = resumed.bestWeights(resume);
        Model best = bestFile != null ? ModelIo.load(bestFile, arena).model() : null;
        return new Start(loaded.model(), loaded.normalization(), best, resumed.history());
    }

    /**
     * The run's configuration from the options; what they leave open follows the data: a CSV table gets its own
     * input and output widths, standardised features and a dev set of a tenth of its rows.
     */
    private TrainConfig configFromOptions(TrainingData input, boolean regression) {
        DataSet train = input.train();
        List<Integer> widths = input.widths(network, regression);
        Normalization.Mode mode = normalize != null
                ? TrainConfig.parseEnum(Normalization.Mode.class, "--normalize", normalize)
                : input.defaultNormalization();
        int devSize = dev != null ? dev : !input.table() ? DataSet.DEFAULT_DEV_SIZE
                : train.size() >= TABLE_DEV_MINIMUM ? train.size() / 10 : 0;
        return new TrainConfig(widths, network.activations(), network.weightInit(),
                TrainConfig.parseEnum(Optimizer.Kind.class, "--optimizer", optimizer), lr, beta1, beta2, decay,
                parseDecayPer(), batch, l2, l1, TrainConfig.parseDoubles("--dropout", dropout), batchNorm, mode, devSize,
                earlyStop, seed, augment, regression);
    }

    boolean parseDecayPer() {
        return switch (decayPer) {
            case "step" -> true;
            case "epoch" -> false;
            default -> throw new UsageException("--decay-per must be 'epoch' or 'step', got '" + decayPer + "'");
        };
    }

    static void checkData(TrainConfig config, DataSet train) {
        if (config.regression()) {
            NetworkOptions.requireFitsTargets(config.inputs(), config.layers().getLast(), train);
        } else {
            NetworkOptions.requireFits(config.inputs(), config.layers().getLast(), train);
        }
        if (config.dev() >= train.size()) {
            throw new UsageException("--dev " + config.dev() + " leaves no training samples out of " + train.size());
        }
    }

    /**
     * Writes the checkpoint (and early stopping's best weights) after every epoch, from the history and best weights
     * of the trainer set into {@code trainer} once it is built (it takes this writer as its listener): encoded at the
     * epoch's end, written by {@code writes} while the next epoch steps. {@code threads} is the run's BLAS thread
     * count, read before the run: during an epoch's end the trainer has the library at its step setting (1 with
     * replicas), which a resumed run would have taken for the run's.
     */
    private record CheckpointWriter(Path file, TrainConfig config, Path out, Model model, Normalization normalization,
                                    Optimizer optimizer, Checkpoint.Data data, int threads,
                                    AtomicReference<Trainer> trainer, BackgroundWrites writes)
            implements TrainingListener {
        @Override
        public void epochFinished(EpochStats stats) {
            write(Checkpoint.Status.RUNNING);
        }

        void write(Checkpoint.Status status) {
            try {
                // The previous checkpoint reaches the disk before this one is encoded: one in memory at a time.
                writes.finish();
                Trainer run = trainer.get();
                List<BackgroundWrites.Write> files = new ArrayList<>();
                for (EncodedModel encoded : Checkpoint.encode(file, new Checkpoint(config, run.history(), out, status,
                        data, threads), model, normalization, optimizer, run.bestWeights())) {
                    files.add(encoded::write);
                }
                writes.submit(files);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        /** Waits for the last checkpoint to reach the disk. */
        void finish() {
            try {
                writes.finish();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private UncheckedIOException failed(IOException e) {
            return new UncheckedIOException("cannot write the checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private record Both(TrainingListener first, TrainingListener second) implements TrainingListener {
        @Override
        public void epochStarted(int epoch, int epochs, long batches) {
            first.epochStarted(epoch, epochs, batches);
            second.epochStarted(epoch, epochs, batches);
        }

        @Override
        public void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {
            first.batchFinished(epoch, batch, batches, loss, samplesPerSecond);
            second.batchFinished(epoch, batch, batches, loss, samplesPerSecond);
        }

        @Override
        public void epochFinished(EpochStats stats) {
            first.epochFinished(stats);
            second.epochFinished(stats);
        }
    }
}

package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.SanityChecks;
import dev.gatun.tune.LogRange;
import dev.gatun.tune.RandomSearch;
import dev.gatun.tune.SearchResult;
import dev.gatun.tune.SearchSpace;
import dev.gatun.tune.Trial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gatun tune}: the course's random search over learning rate, L2 λ and β on a log scale, a coarse phase then
 * a fine one around the best coarse trials; prints the trials best first and leaves tune.csv and tune.png behind.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Random hyperparameter search (the course's): lr = 10^U(a,b), lambda = 10^U(c,d) (L2), "
                + "beta = 1 - 10^U(e,f); a coarse phase of --trials, then --fine-trials around the best coarse ones.",
                "Prints the trials sorted by dev accuracy and writes tune.csv (after every trial) and tune.png "
                        + "(log lr vs log lambda, coloured by dev accuracy) to --out."})
final class TuneCommand extends JsonReportingCommand {
    @Mixin
    DataOptions data;

    @Mixin
    TestSetOptions heldOut;

    @Mixin
    NetworkOptions network;

    @Option(names = "--optimizer", defaultValue = "adam",
            description = "adam (beta is beta1), momentum, rmsprop (beta is beta2) or sgd (no beta); default ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--trials", defaultValue = "20", description = "Coarse trials (default ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--fine-trials", defaultValue = "10", description = "Fine trials around the best coarse ones (default ${DEFAULT-VALUE}).")
    int fineTrials;

    @Option(names = "--top", defaultValue = "3", description = "The fine ranges span the best this many coarse trials (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs per trial (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "Mini-batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--subset", defaultValue = "0",
            description = "Train each trial on a stratified subset of this many samples (default 0: the whole training split).")
    int subset;

    @Option(names = "--dev", description = "Dev samples split off the training set (default 5000, at most a fifth of it).")
    Integer dev;

    @Option(names = "--lr-range", defaultValue = "-4,-1", description = "log10 bounds of the learning rate (default ${DEFAULT-VALUE}).")
    String lrRange;

    @Option(names = "--l2-range", defaultValue = "-5,-1", description = "log10 bounds of the L2 lambda (default ${DEFAULT-VALUE}).")
    String l2Range;

    @Option(names = "--beta-range", defaultValue = "-3,-1",
            description = "log10 bounds of 1 - beta (default ${DEFAULT-VALUE}: beta from 0.9 to 0.999).")
    String betaRange;

    @Option(names = "--parallel", defaultValue = "0",
            description = "Trials at once (default 0: half the cores, at least 1). OpenBLAS threads are process-wide: "
                    + "they are set to max(1, cores / parallel) for the search.")
    int parallel;

    // train's default: without --seed the two commands draw the same dev and --test-split rows.
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the weights, trials, split and batch order (default ${DEFAULT-VALUE}, as train's).")
    long seed;

    @Option(names = "--out", defaultValue = "tune", description = "Directory for tune.csv and tune.png (default ${DEFAULT-VALUE}).")
    Path out;

    /** The trials reported so far, in the order they finished; written to tune.csv after each one. */
    private final List<Trial> finished = new ArrayList<>();
    /** How many of them tune.csv holds: its last write that succeeded. */
    private int written;

    /** The searched network's widths, for the reports: the options' or, for a table left open, its own. */
    private String layers;

    @Override
    public Integer call() throws Exception {
        Optimizer.Kind kind = optimizerKind();
        if (parallel < 0) {
            throw new UsageException("--parallel must be >= 0 (0 = automatic), got " + parallel);
        }
        int atOnce = parallel > 0 ? parallel : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        requireCounts();
        LogRange betaLog = range("--beta-range", betaRange);
        SearchSpace space = space(kind, betaLog);
        // tune.png is drawn after the whole search, tune.csv after each trial: a directory that cannot take them fails
        // now, before the data is read; the names in it are checked once the files the search reads are known.
        OutputPaths.checkDirectory("--out " + out, out);
        try (TrainingData input = data.openClassification("gatun tune ranks its trials by dev accuracy, which a"
                + " regression has not", network.classes(), seed, heldOut)) {
            // Named here, where the files the search reads are known: a tune.csv that is the data would be overwritten.
            Map<String, Path> inputs = input.inputFiles(data.source(heldOut));
            // The scatter plot is drawn there, then moved to tune.png.
            Plots.checkDirectory("--out " + out, out, inputs);
            OutputPaths.requireReplaceableAt("--out " + out, out, List.of("tune.csv", "tune.png"), inputs);
            DataSet all = input.train();
            List<Integer> widths = input.widths(network, false);
            NetworkOptions.requireFits(widths.getFirst(), widths.getLast(), all);
            layers = NetworkOptions.text(widths);
            if (input.table() && !heldOut.given()) {
                System.err.println("note: the search draws its training and dev rows from every row of "
                        + input.source() + "; to test the chosen settings on rows it never saw, give tune the"
                        + " --test-split (and --seed) or --test that train will use");
            }
            int devSize = dev != null ? dev : Math.min(DataSet.DEFAULT_DEV_SIZE, all.size() / 5);
            DataSet.Split split = all.split(devSize, seed);
            RandomSearch search = RandomSearch.builder(network.spec(widths, seed), split.train(), split.dev())
                    .normalization(input.defaultNormalization(split.train())).optimizer(kind)
                    .learningRateRange(space.learningRate())
                    .lambdaRange(space.lambda())
                    .betaRange(betaLog)
                    .trials(trials, fineTrials).fineAround(top, 0.1).epochs(epochs).batchSize(batch).subset(subset)
                    .parallel(atOnce).seed(seed)
                    .listener((trial, done, total) -> {
                        finished.add(trial);
                        writeTable(finished);    // before the progress line: a search killed after it keeps this trial
                        System.out.printf(Locale.ROOT, "trial %d/%d %s %d: %s%n", done, total,
                                trial.phase().name().toLowerCase(Locale.ROOT), trial.index(), summary(trial));
                    })
                    .build();
            System.out.printf(Locale.ROOT, "random search on %s over %s (%d samples%s), dev %d, %s, %d epochs per trial, %d at a time%n",
                    layers, input.source(), split.train().size(),
                    subset > 0 ? ", trials use a stratified subset of " + Math.min(subset, split.train().size()) : "",
                    split.dev().size(), kind.name().toLowerCase(Locale.ROOT), epochs, atOnce);
            SearchResult result;
            try {
                result = search.run();
            } catch (RuntimeException e) {
                if (written > 0) {
                    System.err.println("note: " + written + " trial(s) that finished are in " + out.resolve("tune.csv")
                            + ", best first");
                }
                throw e;
            }
            List<Trial> ranked = result.ranked();
            Path csv = TrialsCsv.write(out.resolve("tune.csv"), ranked);
            List<Plots.TrialPoint> points = ranked.stream().filter(Trial::finished)
                    .map(t -> new Plots.TrialPoint(t.learningRate(), t.lambda(), t.devAccuracy())).toList();
            Path plot = points.isEmpty() ? null : Files.move(Plots.tuningScatter(points, out), out.resolve("tune.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            print(result, ranked, csv, plot);
            return 0;
        }
    }

    /**
     * tune.csv with the trials so far, best first: a search of hours that fails or is stopped part-way keeps what it
     * learned. A write that fails (a full disk for a moment) is said on stderr and the search goes on: the next
     * trial's write, or the final one, tries again. (The listener's calls are serialised, so the list is never
     * written to while it is read here.)
     */
    private void writeTable(List<Trial> trials) {
        try {
            TrialsCsv.write(out.resolve("tune.csv"), trials.stream().sorted(Trial.BEST_FIRST).toList());
            written = trials.size();
        } catch (IOException e) {
            System.err.println("warning: cannot write " + out.resolve("tune.csv") + " (" + e.getMessage() + "): it holds "
                    + written + " of the " + trials.size() + " trials that finished; the next write tries again");
        }
    }

    private Optimizer.Kind optimizerKind() {
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            if (kind.name().equalsIgnoreCase(optimizer.strip())) {
                return kind;
            }
        }
        throw new UsageException("--optimizer must be one of adam, momentum, rmsprop, sgd; got '" + optimizer + "'");
    }

    private static String summary(Trial t) {
        return String.format(Locale.ROOT, "lr %s, lambda %s, beta %s -> %s", SanityChecks.rate(t.learningRate()),
                SanityChecks.rate(t.lambda()), beta(t), t.finished()
                        ? String.format(Locale.ROOT, "dev accuracy %.2f%%, dev loss %.4f", 100 * t.devAccuracy(), t.devLoss())
                        : t.outcome().toLowerCase(Locale.ROOT) + (t.note().isEmpty() ? "" : " (" + t.note() + ")"));
    }

    private static String beta(Trial t) {
        return Double.isNaN(t.beta()) ? "-" : String.format(Locale.ROOT, "%.4f", t.beta());
    }

    private void print(SearchResult result, List<Trial> ranked, Path csv, Path plot) {
        System.out.println("coarse ranges (log10): " + ranges(result.coarse()));
        if (fineTrials > 0) {
            System.out.println("fine ranges (log10):   " + ranges(result.fine()));
        }
        System.out.printf("%4s  %-6s %5s  %10s  %10s  %7s  %8s  %8s  %9s  %10s  %s%n", "rank", "phase", "trial", "lr",
                "lambda", "beta", "dev acc", "dev loss", "train acc", "train loss", "outcome");
        int rank = 1;
        for (Trial t : ranked) {
            System.out.printf(Locale.ROOT, "%4d  %-6s %5d  %10s  %10s  %7s  %8s  %8s  %9s  %10s  %s%n", rank++,
                    t.phase().name().toLowerCase(Locale.ROOT), t.index(), SanityChecks.rate(t.learningRate()),
                    SanityChecks.rate(t.lambda()), beta(t), percent(t.devAccuracy()), fixed(t.devLoss()),
                    percent(t.trainAccuracy()), fixed(t.trainLoss()), t.outcome().toLowerCase(Locale.ROOT));
        }
        result.best().ifPresentOrElse(best -> System.out.println("best: " + best.phase().name().toLowerCase(Locale.ROOT)
                        + " trial " + best.index() + ", " + summary(best)),
                () -> System.out.println("no trial finished without its loss exploding (an exploded trial keeps no figures,"
                        + " even of the epochs it finished); lower --lr-range"));
        System.out.println("wrote " + csv + (plot != null ? " and " + plot : ""));
        if (json.requested) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("trials", ranked.stream().map(TuneCommand::trialFields).toList());
            fields.put("best", result.best().map(TuneCommand::trialFields).orElse(null));
            fields.put("coarse_ranges", rangeFields(result.coarse()));
            fields.put("fine_ranges", fineTrials > 0 ? rangeFields(result.fine()) : null);
            fields.put("optimizer", optimizer.toLowerCase(Locale.ROOT));
            fields.put("layers", layers);
            fields.put("epochs", epochs);
            fields.put("seed", seed);
            fields.put("csv", csv.toString());
            fields.put("plot", plot == null ? null : plot.toString());
            JsonOutput.print(fields);
        }
    }

    private static Map<String, Object> trialFields(Trial t) {
        return Json.fields(new TrialReport(t.phase().name().toLowerCase(Locale.ROOT), t.index(), t.seed(),
                t.learningRate(), t.lambda(), t.beta(), t.outcome(), t.epochs(), t.trainLoss(), t.trainAccuracy(),
                t.devLoss(), t.devAccuracy(), t.seconds()));
    }

    /** A trial as the JSON report shows it: the draw flat, the phase in lower case, the note left to the text. */
    private record TrialReport(String phase, int trial, long seed, double learningRate, double lambda, double beta,
                               String outcome, int epochs, double trainLoss, double trainAccuracy, double devLoss,
                               double devAccuracy, double seconds) {}

    private static Map<String, Object> rangeFields(SearchSpace space) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("lr_log10", List.of(space.learningRate().low(), space.learningRate().high()));
        fields.put("l2_log10", List.of(space.lambda().low(), space.lambda().high()));
        fields.put("one_minus_beta_log10", space.hasBeta() ? List.of(space.beta().low(), space.beta().high()) : null);
        return fields;
    }

    private static String ranges(SearchSpace space) {
        return "lr " + space.learningRate() + ", lambda " + space.lambda() + (space.hasBeta() ? ", 1-beta " + space.beta() : "");
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String fixed(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** The counts, checked before any data is read: a wrong one is a usage error, not a failure after the parse. */
    private void requireCounts() {
        requireAtLeast("--trials", trials, 1);
        requireAtLeast("--fine-trials", fineTrials, 0);
        requireAtLeast("--top", top, 1);
        requireAtLeast("--epochs", epochs, 1);
        requireAtLeast("--batch", batch, 1);
        requireAtLeast("--subset", subset, 0);
        if (dev != null) {
            requireAtLeast("--dev", dev, 1);
        }
    }

    private static void requireAtLeast(String option, int value, int least) {
        if (value < least) {
            throw new UsageException(option + " must be >= " + least + ", got " + value);
        }
    }

    /** The ranges as one search space (checked there: β below 1, every draw a float32 number), before any data is read. */
    private SearchSpace space(Optimizer.Kind kind, LogRange betaLog) {
        LogRange lrLog = range("--lr-range", lrRange);
        LogRange l2Log = range("--l2-range", l2Range);
        try {
            return new SearchSpace(lrLog, l2Log, kind == Optimizer.Kind.SGD ? null : betaLog);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A range option, parsed before any data is read; a malformed one is a usage error. */
    private static LogRange range(String option, String value) {
        try {
            return LogRange.parse(option, value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}

package dev.gatun.cli;

import dev.gatun.data.Augmentation;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.DropoutKernels;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything that decides what {@code gatun train} computes (not where it writes): kept in every checkpoint so that
 * {@code --resume} continues the same run, and echoed in the JSON report. Parsed from the command line's strings
 * with messages that name the option.
 */
record TrainConfig(List<Integer> layers, List<Activation> activations, Init init, Optimizer.Kind optimizer, double lr,
                   double beta1, double beta2, String decay, boolean decayPerStep, int batch, double l2, double l1,
                   List<Double> dropout, boolean batchNorm, Normalization.Mode normalize, int dev, int earlyStop,
                   long seed, boolean augment, boolean regression) {

    TrainConfig {
        if (layers.size() < 2) {
            throw new UsageException("--layers needs at least the input and output sizes, e.g. 784,10; got " + layers);
        }
        for (int n : layers) {
            if (n < 1) {
                throw new UsageException("--layers sizes must be >= 1, got " + layers);
            }
        }
        int hidden = layers.size() - 2;
        if (activations.size() != 1 && activations.size() != hidden) {
            throw new UsageException("--activation takes one activation or one per hidden layer (" + hidden
                    + "), got " + activations.size());
        }
        if (!dropout.isEmpty() && dropout.size() != 1 && dropout.size() != hidden) {
            throw new UsageException("--dropout takes one keep probability or one per hidden layer (" + hidden
                    + "), got " + dropout.size());
        }
        for (double keep : dropout) {
            if (!(keep >= DropoutKernels.MIN_KEEP_PROB && keep <= 1)) {
                throw new UsageException("--dropout keep probabilities must be in [" + DropoutKernels.MIN_KEEP_PROB
                        + ", 1] (2^-14: the dropout mask's resolution), got " + keep);
            }
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UsageException("--lr must be a positive number, got " + lr);
        }
        if (batch < 1) {
            throw new UsageException("--batch must be >= 1, got " + batch);
        }
        if (!(l2 >= 0) || !(l1 >= 0) || (l2 > 0 && l1 > 0)) {
            throw new UsageException("--l2 and --l1 must be >= 0 and not both set; got l2 " + l2 + ", l1 " + l1);
        }
        if (dev < 0 || earlyStop < 0) {
            throw new UsageException("--dev and --early-stop must be >= 0; got " + dev + ", " + earlyStop);
        }
        if (earlyStop > 0 && dev == 0) {
            throw new UsageException("--early-stop watches the dev loss: it needs --dev > 0");
        }
        schedule(lr, decay, decayPerStep);
        layers = List.copyOf(layers);
        activations = List.copyOf(activations);
        dropout = List.copyOf(dropout);
    }

    int inputs() {
        return layers.getFirst();
    }

    /** Labels the data must hold: the output width, or 2 for one (binary) output; 0 for regression. */
    int classes() {
        return regression ? 0 : NetworkOptions.classes(layers.getLast());
    }

    Model buildModel(Arena arena) {
        return modelBuilder().build(arena);
    }

    /** The model this configuration builds, as its spec (what a cluster engine builds it from). */
    ModelSpec modelSpec() {
        return modelBuilder().spec();
    }

    private Model.Builder modelBuilder() {
        Model.Builder b = Model.builder(inputs());
        for (int l = 1; l < layers.size() - 1; l++) {
            b.dense(layers.get(l), activations.get(activations.size() == 1 ? 0 : l - 1));
            if (batchNorm) {
                b.batchNorm();
            }
            double keep = dropout.isEmpty() ? 1 : dropout.get(dropout.size() == 1 ? 0 : l - 1);
            if (keep < 1) {
                b.dropout(keep);
            }
        }
        b.output(layers.getLast(), regression ? Loss.MSE : NetworkOptions.outputLoss(layers.getLast())).init(init).seed(seed);
        if (l2 > 0) {
            b.l2(l2);
        } else if (l1 > 0) {
            b.l1(l1);
        }
        return b;
    }

    Optimizer buildOptimizer() {
        return switch (optimizer) {
            case SGD -> Optimizer.sgd(lr);
            case MOMENTUM -> Optimizer.momentum(lr, beta1);
            case RMSPROP -> Optimizer.rmsprop(lr, beta2, Optimizer.DEFAULT_EPSILON);
            case ADAM -> Optimizer.adam(lr, beta1, beta2, Optimizer.DEFAULT_EPSILON);
        };
    }

    LearningRateSchedule schedule() {
        return schedule(lr, decay, decayPerStep);
    }

    Normalization normalization(DataSet train) {
        return normalize == Normalization.Mode.NONE ? Normalization.none(train.features())
                : normalize == Normalization.Mode.SCALE_TO_UNIT ? Normalization.scaleToUnit(train.features())
                : Normalization.fit(normalize, train);
    }

    Augmentation augmentation() {
        return augment ? Augmentation.flipAndShift() : Augmentation.NONE;
    }

    /** The schedule of {@code --decay} and {@code --decay-per}; a bad one is a usage error naming {@code --decay}. */
    static LearningRateSchedule schedule(double lr, String decay, boolean perStep) {
        try {
            return LearningRateSchedule.parse(lr, decay, perStep);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--decay " + e.getMessage());
        }
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
        String name = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new UsageException(option + " '" + value + "' is not one of " + names);
        }
    }

    static String enumName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static List<Integer> parseInts(String option, String csv) {
        return parseList(option, csv, Integer::parseInt, "an integer");
    }

    /** Comma-separated numbers; none for an empty or missing value. */
    static List<Double> parseDoubles(String option, String csv) {
        return csv == null || csv.isBlank() ? new ArrayList<>() : parseList(option, csv, Double::parseDouble, "a number");
    }

    static List<Activation> parseActivations(String csv) {
        return parseList("--activation", csv, part -> parseEnum(Activation.class, "--activation", part), "an activation");
    }

    /** Each comma-separated part of {@code csv}, stripped and parsed; a part that is not {@code what} names the option. */
    private static <T> List<T> parseList(String option, String csv, Function<String, T> parse, String what) {
        List<T> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            try {
                out.add(parse.apply(part.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException(option + " '" + csv + "': '" + part + "' is not " + what);
            }
        }
        return out;
    }

    /** The configuration as text, {@link #toJson}'s values written out (exact: doubles print so that they parse back to the same bits). */
    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        toJson().forEach((key, value) -> m.put(key, value instanceof List<?> list ? join(list) : String.valueOf(value)));
        return m;
    }

    /** The configuration as JSON values: numbers as numbers, lists as lists, switches as booleans. */
    Map<String, Object> toJson() {
        return Json.fields(new Fields(layers, activations.stream().map(TrainConfig::enumName).toList(), enumName(init),
                enumName(optimizer), lr, beta1, beta2, decay, decayPerStep ? "step" : "epoch", batch, l2, l1, dropout,
                batchNorm, enumName(normalize), dev, earlyStop, seed, augment, regression ? "regression" : "classification"));
    }

    /**
     * The configuration under the names checkpoints and {@code train --json} keep ({@link #fromMap} reads them back):
     * options as the command line spells them, in its order.
     */
    private record Fields(List<Integer> layers, List<String> activation, String init, String optimizer, double lr,
                          double beta1, double beta2, String decay, String decayPer, int batch, double l2, double l1,
                          List<Double> dropout, boolean batchnorm, String normalize, int dev, int earlyStop, long seed,
                          boolean augment, String task) {}

    static TrainConfig fromMap(Map<String, String> m) {
        try {
            return new TrainConfig(parseInts("layers", m.get("layers")), parseActivations(m.get("activation")),
                    parseEnum(Init.class, "init", m.get("init")), parseEnum(Optimizer.Kind.class, "optimizer", m.get("optimizer")),
                    Double.parseDouble(m.get("lr")), Double.parseDouble(m.get("beta1")), Double.parseDouble(m.get("beta2")),
                    m.get("decay"), m.get("decay_per").equals("step"), Integer.parseInt(m.get("batch")),
                    Double.parseDouble(m.get("l2")), Double.parseDouble(m.get("l1")), parseDoubles("dropout", m.get("dropout")),
                    Boolean.parseBoolean(m.get("batchnorm")), parseEnum(Normalization.Mode.class, "normalize", m.get("normalize")),
                    Integer.parseInt(m.get("dev")), Integer.parseInt(m.get("early_stop")), Long.parseLong(m.get("seed")),
                    Boolean.parseBoolean(m.get("augment")), "regression".equals(m.get("task")));
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException("the checkpoint's training configuration is incomplete or malformed: " + m);
        }
    }

    private static String join(List<?> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }
}

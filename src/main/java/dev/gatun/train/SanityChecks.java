package dev.gatun.train;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Regularization;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.BiFunction;

/**
 * Four checks to run before any long training run, on one architecture and training set:
 * <ol>
 *   <li><b>initial loss</b>: with regularisation off (no L2/L1, no dropout) the cost of the fresh network on a
 *       stratified sample is ≈ ln C, because near-uniform softmax outputs put ≈ 1/C on every class. Rule:
 *       {@code |J − ln C| ≤ } {@link #INITIAL_LOSS_TOLERANCE}{@code ·ln C}. Random logits can only raise the
 *       expected loss above ln C (Jensen), and He init's logit spread does: 784-256-128-10 on Fashion-MNIST
 *       measured +3.3% … +10.4% over seeds 1–8, so 20% leaves room for that while a wrong log base (+44%), a
 *       missing 1/m or weights not scaled by fan-in (losses many times ln C) still fail. Small networks on
 *       non-centred inputs spread wider (a 64-32-16-4 net on the 8×8 test set: −0.5% … +63%).</li>
 *   <li><b>L2 raises the loss</b>: the same weights with a large L2 λ (the power of ten that makes the penalty
 *       at least ln C) cost more, and by the penalty {@code λ/(2m)·Σ‖W‖²} computed independently here (within
 *       1%).</li>
 *   <li><b>overfit a small subset</b>: a stratified subset of 20 samples, regularisation off, Adam, full batch:
 *       100% training accuracy within a bounded number of epochs (training stops at the first epoch that reaches
 *       it; the accuracy is then measured once more on the weights training stopped with).</li>
 *   <li><b>learning-rate sweep</b>: each rate (10⁻⁶ … 10 by default) trains a fresh network for a fixed number of
 *       plain SGD steps (see {@link Builder#sweepOptimizer}) on a fixed subset; the loss on that subset is compared
 *       before and after. The smallest rate must barely move it ({@code |Δ| <} {@link #BARELY_MOVES}), the largest must explode (the {@link Trainer}'s
 *       explosion detection) or fail to lower it by that much, and at least one rate between must lower it by
 *       {@link #USABLE_DECREASE} or more without exploding: those rates are the usable range.</li>
 * </ol>
 * A network whose backward pass is broken (zero gradients) passes the first two, which only look forward, and
 * fails the last two. Nothing is printed; each check is logged once.
 */
public final class SanityChecks {
    private static final Logger LOG = LoggerFactory.getLogger(SanityChecks.class);

    public static final double INITIAL_LOSS_TOLERANCE = 0.20;
    public static final double PENALTY_TOLERANCE = 0.01;
    public static final double BARELY_MOVES = 0.01;
    public static final double USABLE_DECREASE = 0.10;

    private final SanityConfig config;
    private final ModelSpec plain;
    private final int classes;

    private SanityChecks(SanityConfig config) {
        this.config = config;
        this.plain = withoutRegularization(config.spec());
        this.classes = config.spec().loss().classes(config.spec().outputs());
    }

    public static Builder builder(ModelSpec spec, DataSet train) {
        return new Builder(spec, train);
    }

    /** The normalisation every check trains with. */
    Normalization normalization() {
        return config.normalization();
    }

    /** Runs the four checks in order; each builds its own networks from the spec, so they are independent. */
    public SanityReport run() {
        List<SanityCheck> checks = new ArrayList<>();
        SanityCheck[] lossChecks = initialLoss();
        checks.add(lossChecks[0]);
        checks.add(lossChecks[1]);
        checks.add(overfit());
        Sweep sweep = sweep();
        checks.add(sweep.check);
        for (SanityCheck c : checks) {
            LOG.info("sanity check '{}': {} — measured {}; expected {}", c.name(), c.passed() ? "PASS" : "FAIL",
                    c.measured(), c.expected());
        }
        return new SanityReport(checks, sweep.low, sweep.high);
    }

    /** Checks 1 and 2: one forward pass each over the same sample, the same initial weights, with and without L2. */
    private SanityCheck[] initialLoss() {
        DataSet sample = sample(config.initialSamples(), config.seed());
        double lnC = Math.log(classes);
        try (Arena arena = Arena.ofConfined();
             Batches batches = Batches.over(sample, sample.size()).normalization(config.normalization()).shuffle(false)
                     .build();
             Model model = build(plain, arena)) {
            Batch batch = batches.next();
            double j0 = model.cost(batch.X(), batch.targetsFor(model), Mode.INFERENCE);
            double deviation = (j0 - lnC) / lnC;
            SanityCheck first = new SanityCheck("initial loss ~ ln C",
                    Math.abs(deviation) <= INITIAL_LOSS_TOLERANCE,
                    format("J = %.4f (%+.1f%% from ln %d = %.4f) on %d samples", j0, 100 * deviation, classes, lnC,
                            sample.size()),
                    format("|J - ln C| <= %.0f%% of ln C, regularisation off", 100 * INITIAL_LOSS_TOLERANCE),
                    values("loss", j0, "ln_c", lnC, "relative_deviation", deviation));

            double squares = weightSquares(model);
            int m = batch.size();
            double lambda = Math.pow(10, Math.ceil(Math.log10(2.0 * m * lnC / squares)));
            if (!(squares > 0) || Float.isInfinite((float) lambda)) {
                // Zero initialisation, the bug these checks exist to show: no λ makes a penalty on zero weights
                // raise the loss, and the one that would matter ln C is not a float32. (NaN: weights gone bad.)
                String why = Double.isNaN(squares) || Double.isInfinite(squares)
                        ? "the weights hold NaN or infinite values"
                        : "zero initialisation gives every unit of a layer the same weights";
                SanityCheck second = new SanityCheck("large L2 raises the loss", false,
                        format("sum W^2 = %s over the weight matrices: no lambda raises the loss (%s)", squares, why),
                        format("J rises above check 1's, by the penalty (within %.0f%%)", 100 * PENALTY_TOLERANCE),
                        values("weight_squares", squares));
                return new SanityCheck[] {first, second};
            }
            ModelSpec l2 = withRegularization(plain, Regularization.l2(lambda));
            double penalty = lambda / (2.0 * m) * squares;
            try (Model regularized = build(l2, arena)) {
                double j2 = regularized.cost(batch.X(), batch.targetsFor(regularized), Mode.INFERENCE);
                double rise = j2 - j0;
                boolean passed = rise > 0 && Math.abs(rise - penalty) <= PENALTY_TOLERANCE * penalty;
                SanityCheck second = new SanityCheck("large L2 raises the loss", passed,
                        format("J = %.4f with lambda %s, +%.4f over check 1 (penalty lambda/2m*sum W^2 = %.4f)", j2,
                                rate(lambda), rise, penalty),
                        format("J rises above check 1's, by the penalty (within %.0f%%)", 100 * PENALTY_TOLERANCE),
                        values("loss", j2, "lambda", lambda, "rise", rise, "penalty", penalty));
                return new SanityCheck[] {first, second};
            }
        }
    }

    /** Check 3: regularisation off, full batch, Adam; 100% training accuracy after the epochs. */
    private SanityCheck overfit() {
        DataSet subset = sample(config.overfitSamples(), config.seed());
        int[] firstPerfect = {0};
        Trainer[] running = new Trainer[1];
        try (Arena arena = Arena.ofShared();  // the trainer's step threads write the parameters too
             Model model = build(plain, arena);
             Optimizer optimizer = Optimizer.adam(config.overfitRate());
             Trainer trainer = Trainer.builder(model, optimizer, subset).normalization(config.normalization())
                     .batchSize(subset.size()).epochs(config.overfitEpochs()).seed(config.seed()).trainEvaluationSize(0)
                     .listener(new TrainingListener() {
                         @Override
                         public void epochFinished(EpochStats stats) {
                             if (stats.trainAccuracy() == 1.0 && firstPerfect[0] == 0) {
                                 firstPerfect[0] = stats.epoch();
                                 // Stops before the next epoch's first step: the weights measured below are
                                 // those of the epoch that reached 100%.
                                 running[0].requestStop();
                             }
                         }
                     }).build();
             Evaluator evaluator = new Evaluator(subset, config.normalization(), subset.size())) {
            running[0] = trainer;
            TrainingResult result = trainer.run();
            Evaluation end = evaluator.evaluate(model);
            boolean passed = !result.exploded() && end.accuracy() == 1.0;
            String measured = result.exploded() ? "exploded: " + result.explosion().message()
                    : firstPerfect[0] > 0
                    ? format("100%% at epoch %d; stopped there: accuracy %.1f%%, loss %.4f", firstPerfect[0],
                            100 * end.accuracy(), end.loss())
                    : format("accuracy %.1f%%, loss %.4f after %d epochs", 100 * end.accuracy(), end.loss(),
                            result.history().size());
            return new SanityCheck("overfit " + subset.size() + " samples", passed, measured,
                    format("100%% training accuracy within %d epochs (%s %s, batch %d, no regularisation)",
                            config.overfitEpochs(), optimizer.kind().name().toLowerCase(Locale.ROOT),
                            rate(config.overfitRate()), subset.size()),
                    values("accuracy", end.accuracy(), "loss", end.loss(), "epochs", result.history().size(),
                            "first_perfect_epoch", firstPerfect[0]));
        }
    }

    private record Sweep(SanityCheck check, double low, double high) {}

    /** Check 4: the same fresh weights trained at each rate for the same steps on the same subset. */
    private Sweep sweep() {
        DataSet subset = sample(config.sweepSamples(), config.seed() + 1);
        int batch = Math.min(config.sweepBatch(), subset.size());
        int stepsPerEpoch = (subset.size() + batch - 1) / batch;
        int epochs = Math.max(1, (config.sweepSteps() + stepsPerEpoch - 1) / stepsPerEpoch);
        double[] rates = config.sweepRates();
        double[] change = new double[rates.length];
        String[] explosions = new String[rates.length];
        String optimizerName = "";
        double before;
        // The loss in TRAIN mode over the whole subset at once (dropout is off in the plain spec): batch norm then
        // normalises with the subset's own statistics, before and after alike. In INFERENCE mode it used its running
        // statistics, which start at mean 0, variance 1 and move with every step whatever the rate, so even the
        // smallest rate "moved" a batch-norm network's loss by far more than 1%.
        try (Batches whole = Batches.over(subset, subset.size()).normalization(config.normalization()).shuffle(false)
                .build()) {
            Batch all = whole.next();
            try (Arena arena = Arena.ofConfined(); Model fresh = build(plain, arena)) {
                before = fresh.cost(all.X(), all.targetsFor(fresh), Mode.TRAIN);
            }
            for (int i = 0; i < rates.length; i++) {
                try (Arena arena = Arena.ofShared();  // as in overfit()
                     Model model = build(plain, arena);
                     Optimizer optimizer = config.sweepOptimizer().apply(rates[i]);
                     Trainer trainer = Trainer.builder(model, optimizer, subset).normalization(config.normalization())
                             .batchSize(batch).epochs(epochs).seed(config.seed())
                             .trainEvaluationSize(Math.min(subset.size(), 100)).build()) {
                    optimizerName = optimizer.kind().name().toLowerCase(Locale.ROOT);
                    TrainingResult result = trainer.run();
                    double after = result.exploded() ? Double.NaN : model.cost(all.X(), all.targetsFor(model), Mode.TRAIN);
                    if (result.exploded() || !Double.isFinite(after)) {
                        explosions[i] = result.exploded() ? "step " + result.explosion().step() : "loss " + after;
                        change[i] = Double.NaN;
                    } else {
                        change[i] = (after - before) / before;
                    }
                }
            }
        }
        double low = Double.NaN;
        double high = Double.NaN;
        StringBuilder measured = new StringBuilder();
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("initial_loss", before);
        for (int i = 0; i < rates.length; i++) {
            if (explosions[i] == null && change[i] <= -USABLE_DECREASE) {
                low = Double.isNaN(low) ? rates[i] : Math.min(low, rates[i]);
                high = Double.isNaN(high) ? rates[i] : Math.max(high, rates[i]);
            }
            measured.append(i == 0 ? "" : ", ").append(rate(rates[i])).append(' ')
                    .append(explosions[i] != null ? "exploded (" + explosions[i] + ")" : format("%+.1f%%", 100 * change[i]));
            values.put("change_at_" + rate(rates[i]), change[i]);
        }
        int last = rates.length - 1;
        boolean smallestBarelyMoves = explosions[0] == null && Math.abs(change[0]) < BARELY_MOVES;
        boolean largestTooLarge = explosions[last] != null || change[last] > -BARELY_MOVES;
        boolean usable = !Double.isNaN(low);
        measured.append("; usable ").append(usable ? rate(low) + " .. " + rate(high) : "none");
        values.put("usable_low", low);
        values.put("usable_high", high);
        SanityCheck check = new SanityCheck("learning-rate sweep", smallestBarelyMoves && largestTooLarge && usable,
                measured.toString(),
                format("loss change after %d %s steps (batch %d, %d samples): %s moves it < %.0f%%, %s explodes or "
                                + "does not lower it by %.0f%%, some rate between lowers it >= %.0f%%",
                        (long) epochs * stepsPerEpoch, optimizerName, batch, subset.size(), rate(rates[0]), 100 * BARELY_MOVES,
                        rate(rates[last]), 100 * BARELY_MOVES, 100 * USABLE_DECREASE),
                values);
        return new Sweep(check, low, high);
    }

    /** A stratified sample of the training set, or all of it when it is smaller. */
    private DataSet sample(int samples, long seed) {
        return config.train().stratified(Math.min(samples, config.train().size()), seed);
    }

    private Model build(ModelSpec spec, Arena arena) {
        return config.models().apply(spec, arena);
    }

    /** Σ‖W‖² over the regularized tensors, in float64, independently of the model's own penalty kernel. */
    private static double weightSquares(Model model) {
        double sum = 0;
        for (Parameter p : model.parameters()) {
            if (p.regularized()) {
                for (long k = 0; k < p.value().size(); k++) {
                    double w = p.value().get(k);
                    sum += w * w;
                }
            }
        }
        return sum;
    }

    /** "Regularisation off": no weight penalty and no dropout; the architecture stays. */
    static ModelSpec withoutRegularization(ModelSpec spec) {
        List<LayerSpec> hidden = spec.hidden().stream()
                .map(h -> new LayerSpec(h.units(), h.activation(), 1.0, h.batchNorm())).toList();
        return new ModelSpec(spec.inputs(), hidden, spec.outputs(), spec.loss(), spec.init(), Regularization.NONE,
                spec.seed());
    }

    private static ModelSpec withRegularization(ModelSpec spec, Regularization regularization) {
        return new ModelSpec(spec.inputs(), spec.hidden(), spec.outputs(), spec.loss(), spec.init(), regularization,
                spec.seed());
    }

    private static Map<String, Double> values(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], ((Number) pairs[i + 1]).doubleValue());
        }
        return map;
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** A rate or λ as short text, three significant digits at most: 1e-06, 3.5e-05, 0.001, 10. */
    public static String rate(double value) {
        if (value >= 1e-3 && value < 1e4) {
            return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        }
        String text = String.format(Locale.ROOT, "%.2e", value);
        int e = text.indexOf('e');
        return text.substring(0, e).replaceAll("\\.?0+$", "") + text.substring(e);
    }

    /** Options of a sanity run; every one but the architecture and the training set has a default. */
    public static final class Builder {
        private final ModelSpec spec;
        private final DataSet train;
        private Normalization normalization;
        private BiFunction<ModelSpec, Arena, Model> models = (spec, arena) -> Model.build(spec, DType.F32, arena);
        private DoubleFunction<Optimizer> sweepOptimizer = Optimizer::sgd;
        private long seed = 1;
        private int initialSamples = 1000;
        private int overfitSamples = 20;
        private int overfitEpochs = 200;
        private double overfitRate = 1e-2;
        private double[] sweepRates = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
        private int sweepSamples = 500;
        private int sweepBatch = 50;
        private int sweepSteps = 300;

        private Builder(ModelSpec spec, DataSet train) {
            if (spec == null || train == null) {
                throw new IllegalArgumentException("sanity checks need an architecture and a training set, got " + spec
                        + ", " + train);
            }
            this.spec = spec;
            this.train = train;
        }

        /** Default: as the trainer's ({@link Normalization#defaultFor}): pixels scaled to [0, 1], float features as they are. */
        public Builder normalization(Normalization normalization) {
            this.normalization = normalization;
            return this;
        }

        /** Builds every float32 network the checks train: tests pass one with backprop broken on purpose. */
        Builder models(BiFunction<ModelSpec, Arena, Model> models) {
            this.models = models;
            return this;
        }

        /**
         * The optimizer of the learning-rate sweep, by rate (default plain SGD: its step is the
         * gradient times the rate, so a tiny rate barely moves the loss, while Adam's step is about the rate whatever
         * the gradient, and 300 Adam steps at 1e-6 already lower a Fashion-MNIST loss by ~5%).
         */
        public Builder sweepOptimizer(DoubleFunction<Optimizer> optimizer) {
            this.sweepOptimizer = optimizer;
            return this;
        }

        /** Seeds the subsets and the batch order (the weights come from the spec's own seed). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Samples in checks 1 and 2 (default 1000, or the whole set when smaller). */
        public Builder initialSamples(int samples) {
            this.initialSamples = samples;
            return this;
        }

        /** Check 3: the subset size (default 20), the epochs allowed (200) and the learning rate (1e-2). */
        public Builder overfit(int samples, int epochs, double learningRate) {
            this.overfitSamples = samples;
            this.overfitEpochs = epochs;
            this.overfitRate = learningRate;
            return this;
        }

        /**
         * Check 4: the rates in increasing order (default 1e-6 … 10 by decades), the subset size (500), the batch
         * (50) and the steps per rate (300, rounded up to whole epochs).
         */
        public Builder sweep(double[] rates, int samples, int batch, int steps) {
            this.sweepRates = rates == null ? null : rates.clone();
            this.sweepSamples = samples;
            this.sweepBatch = batch;
            this.sweepSteps = steps;
            return this;
        }

        /** Checks the options and fills in the defaults; changing this builder later leaves the built run alone. */
        public SanityChecks build() {
            return new SanityChecks(new SanityConfig(spec, train,
                    normalization != null ? normalization : Normalization.defaultFor(train), models,
                    sweepOptimizer, seed, initialSamples, overfitSamples, overfitEpochs, overfitRate, sweepRates,
                    sweepSamples, sweepBatch, sweepSteps));
        }
    }
}

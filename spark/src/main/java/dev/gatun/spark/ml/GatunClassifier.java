package dev.gatun.spark.ml;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import dev.gatun.spark.train.Columns;
import dev.gatun.spark.train.DistributedTrainer;
import dev.gatun.spark.train.OptimizerSettings;
import dev.gatun.spark.train.TrainingOutcome;
import dev.gatun.spark.train.TrainingPlan;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A Spark ML estimator that trains a Gatun multilayer perceptron classifier (softmax cross-entropy) by synchronous
 * data parallelism: {@link #getNumPartitions()} replicas in one barrier stage, each holding its partition off-heap,
 * summing gradients with a ring all-reduce every step and applying the same optimizer step. {@code fit} takes a
 * DataFrame with a feature-vector column and a numeric label column ({@code 0 .. classes−1}) and returns a
 * {@link GatunClassificationModel}. The global batch of each step is the same set of rows whatever the number of
 * partitions, so the result depends on it only through the order of float sums: batch norm normalises with the
 * global batch's statistics (summed over the replicas, as synchronized batch norm does), dropout draws each row's
 * mask from (seed, step, global row id), the L2 or L1 penalty counts once per global batch, and the learning rate
 * decays per epoch or per step as in single-process training.
 */
public final class GatunClassifier extends ProbabilisticClassifier<Vector, GatunClassifier, GatunClassificationModel>
        implements DefaultParamsWritable {
    private final String uid;

    private final IntArrayParam layers = new IntArrayParam(this, "layers",
            "layer widths from input to output, e.g. [784, 256, 128, 10]: inputs, hidden layers, classes");
    private final Param<String> activation = new Param<>(this, "activation",
            "hidden-layer activation: relu, leaky-relu, tanh, sigmoid or identity; one, or one per hidden layer separated by commas");
    private final Param<String> init = new Param<>(this, "init", "weight initialisation: he, xavier, glorot, random-small or zeros");
    private final Param<String> optimizer = new Param<>(this, "optimizer", "update rule: sgd, momentum, rmsprop or adam");
    private final DoubleParam learningRate = new DoubleParam(this, "learningRate", "the optimizer's learning rate (> 0)",
            ParamValidators.gt(0));
    private final DoubleParam beta1 = new DoubleParam(this, "beta1", "momentum's β and Adam's β1, in [0, 1)",
            ParamValidators.inRange(0, 1, true, false));
    private final DoubleParam beta2 = new DoubleParam(this, "beta2", "RMSprop's β and Adam's β2, in [0, 1)",
            ParamValidators.inRange(0, 1, true, false));
    private final DoubleParam l2 = new DoubleParam(this, "l2", "L2 penalty λ (>= 0): (λ/2m)·Σ‖W‖²",
            ParamValidators.gtEq(0));
    private final DoubleParam l1 = new DoubleParam(this, "l1", "L1 penalty λ (>= 0, not with l2): (λ/2m)·Σ|W|",
            ParamValidators.gtEq(0));
    private final BooleanParam batchNorm = new BooleanParam(this, "batchNorm",
            "batch norm on every hidden layer, with the statistics of the whole global batch");
    private final DoubleParam dropoutKeepProb = new DoubleParam(this, "dropoutKeepProb",
            "dropout after every hidden layer: the probability of keeping a unit, in (0, 1]; 1 for none",
            ParamValidators.inRange(0, 1, false, true));
    private final Param<String> learningRateDecay = new Param<>(this, "learningRateDecay",
            "learning-rate decay: none, inverse-time:K, exponential:R, inverse-sqrt:K or staircase:FACTOR:EVERY");
    private final Param<String> learningRateDecayPer = new Param<>(this, "learningRateDecayPer",
            "what the decay counts: epoch or step");
    private final IntParam epochs = new IntParam(this, "epochs", "passes over the data (> 0)", ParamValidators.gt(0));
    /** The model's ({@link GatunClassificationModel#handleInvalid()}), handed on by {@code fit}. */
    private final Param<String> handleInvalid = GatunClassificationModel.handleInvalidParam(this);
    private final IntParam batchSize = new IntParam(this, "batchSize",
            "rows in each global batch, over all partitions together (> 0)", ParamValidators.gt(0));
    private final LongParam seed = new LongParam(this, "seed", "seed of the initial weights and of the batch order");
    private final Param<String> normalization = new Param<>(this, "normalization",
            "input normalisation fitted on the training data: none, scale-to-unit (x/255), standardize-global or standardize-per-feature");
    private final IntParam numPartitions = new IntParam(this, "numPartitions",
            "replicas (barrier tasks); 0: the tasks the application runs at once (executor cores / spark.task.cpus)", ParamValidators.gtEq(0));
    private final LongParam allReduceTimeoutMillis = new LongParam(this, "allReduceTimeoutMillis",
            "how long a replica waits for its ring neighbours before it fails the run (> 0)", ParamValidators.gt(0));

    public GatunClassifier() {
        this(Identifiable$.MODULE$.randomUID("gatunClassifier"));
    }

    public GatunClassifier(String uid) {
        // Spark's inherited params read uid() while the superclass is constructed: set it first.
        this.uid = uid;
        super();
        setDefault(activation, "relu");
        setDefault(init, "he");
        setDefault(optimizer, "adam");
        setDefault(learningRate, 1e-3);
        setDefault(beta1, Optimizer.DEFAULT_BETA1);
        setDefault(beta2, Optimizer.DEFAULT_BETA2);
        setDefault(l2, 0.0);
        setDefault(l1, 0.0);
        setDefault(batchNorm, false);
        setDefault(dropoutKeepProb, 1.0);
        setDefault(learningRateDecay, "none");
        setDefault(learningRateDecayPer, "epoch");
        setDefault(epochs, 10);
        setDefault(handleInvalid, "error");
        setDefault(batchSize, 128);
        setDefault(seed, 42L);
        setDefault(normalization, "standardize-per-feature");
        setDefault(numPartitions, 0);
        setDefault(allReduceTimeoutMillis, TrainingPlan.DEFAULT_TIMEOUT_MILLIS);
    }

    @Override
    public String uid() {
        return uid;
    }

    public IntArrayParam layers() { return layers; }
    public Param<String> activation() { return activation; }
    public Param<String> handleInvalid() { return handleInvalid; }
    public Param<String> init() { return init; }
    public Param<String> optimizer() { return optimizer; }
    public DoubleParam learningRate() { return learningRate; }
    public DoubleParam beta1() { return beta1; }
    public DoubleParam beta2() { return beta2; }
    public DoubleParam l2() { return l2; }
    public DoubleParam l1() { return l1; }
    public BooleanParam batchNorm() { return batchNorm; }
    public DoubleParam dropoutKeepProb() { return dropoutKeepProb; }
    public Param<String> learningRateDecay() { return learningRateDecay; }
    public Param<String> learningRateDecayPer() { return learningRateDecayPer; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public LongParam seed() { return seed; }
    public Param<String> normalization() { return normalization; }
    public IntParam numPartitions() { return numPartitions; }
    public LongParam allReduceTimeoutMillis() { return allReduceTimeoutMillis; }

    public GatunClassifier setLayers(int... value) { return (GatunClassifier) set(layers, value); }
    public GatunClassifier setActivation(String value) { return (GatunClassifier) set(activation, value); }
    /** error (the default), skip or keep, for the fitted model's transform: see {@link GatunClassificationModel}. */
    public GatunClassifier setHandleInvalid(String value) { return (GatunClassifier) set(handleInvalid, value); }
    public String getHandleInvalid() { return $(handleInvalid); }
    public GatunClassifier setInit(String value) { return (GatunClassifier) set(init, value); }
    public GatunClassifier setOptimizer(String value) { return (GatunClassifier) set(optimizer, value); }
    public GatunClassifier setLearningRate(double value) { return (GatunClassifier) set(learningRate, value); }
    public GatunClassifier setBeta1(double value) { return (GatunClassifier) set(beta1, value); }
    public GatunClassifier setBeta2(double value) { return (GatunClassifier) set(beta2, value); }
    public GatunClassifier setL2(double value) { return (GatunClassifier) set(l2, value); }
    public GatunClassifier setL1(double value) { return (GatunClassifier) set(l1, value); }
    public GatunClassifier setBatchNorm(boolean value) { return (GatunClassifier) set(batchNorm, value); }
    public GatunClassifier setDropoutKeepProb(double value) { return (GatunClassifier) set(dropoutKeepProb, value); }
    public GatunClassifier setLearningRateDecay(String value) { return (GatunClassifier) set(learningRateDecay, value); }
    public GatunClassifier setLearningRateDecayPer(String value) { return (GatunClassifier) set(learningRateDecayPer, value); }
    public GatunClassifier setEpochs(int value) { return (GatunClassifier) set(epochs, value); }
    public GatunClassifier setBatchSize(int value) { return (GatunClassifier) set(batchSize, value); }
    public GatunClassifier setSeed(long value) { return (GatunClassifier) set(seed, value); }
    public GatunClassifier setNormalization(String value) { return (GatunClassifier) set(normalization, value); }
    public GatunClassifier setNumPartitions(int value) { return (GatunClassifier) set(numPartitions, value); }
    public GatunClassifier setAllReduceTimeoutMillis(long value) { return (GatunClassifier) set(allReduceTimeoutMillis, value); }

    public int[] getLayers() { return (int[]) $(layers); }
    public int getNumPartitions() { return (Integer) $(numPartitions); }

    @Override
    public GatunClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public GatunClassificationModel train(Dataset<?> dataset) {
        TrainingPlan plan = plan();
        int partitions = getNumPartitions() > 0 ? getNumPartitions()
                : DistributedTrainer.taskSlots(dataset.sparkSession());
        TrainingOutcome outcome = DistributedTrainer.fit(dataset.toDF(), new Columns($(featuresCol()), $(labelCol())),
                plan, partitions);
        // The estimator's uid, as every MLlib estimator gives its model: a fitted pipeline's stages keep their uids.
        return new GatunClassificationModel(uid(), outcome.modelFile(), outcome.epochLosses());
    }

    /** The params as a training plan; every name and value is checked here, before any Spark job runs. */
    TrainingPlan plan() {
        if (!isDefined(layers)) {
            throw new IllegalArgumentException("GatunClassifier: set layers, e.g. setLayers(784, 256, 128, 10)");
        }
        int[] widths = getLayers();
        if (widths.length < 2) {
            throw new IllegalArgumentException("GatunClassifier layers " + java.util.Arrays.toString(widths)
                    + ": need at least the inputs and the classes");
        }
        String[] activations = ((String) $(activation)).split(",");
        int hidden = widths.length - 2;
        if (activations.length != 1 && activations.length != hidden) {
            throw new IllegalArgumentException("GatunClassifier activation '" + $(activation) + "': give one, or one per"
                    + " hidden layer (" + hidden + ")");
        }
        double keep = (Double) $(dropoutKeepProb);
        Model.Builder builder = Model.builder(widths[0]);
        for (int h = 0; h < hidden; h++) {
            builder.dense(widths[h + 1], Names.parse(Activation.class, "activation", activations[activations.length == 1 ? 0 : h]));
            if ((Boolean) $(batchNorm)) {
                builder.batchNorm();
            }
            if (keep < 1) {
                builder.dropout(keep);
            }
        }
        builder.output(widths[widths.length - 1], Loss.SOFTMAX_CROSS_ENTROPY)
                .init(Names.parse(Init.class, "init", (String) $(init)))
                .seed((Long) $(seed));
        double l2Lambda = (Double) $(l2);
        double l1Lambda = (Double) $(l1);
        if (l2Lambda > 0 && l1Lambda > 0) {
            throw new IllegalArgumentException("GatunClassifier: set l2 or l1, not both (l2 " + l2Lambda + ", l1 "
                    + l1Lambda + ")");
        }
        if (l1Lambda > 0) {
            builder.l1(l1Lambda);
        } else {
            builder.l2(l2Lambda);
        }
        ModelSpec spec = builder.spec();
        Optimizer.Kind kind = Names.parse(Optimizer.Kind.class, "optimizer", (String) $(optimizer));
        OptimizerSettings settings = new OptimizerSettings(kind, (Double) $(learningRate), (Double) $(beta1),
                (Double) $(beta2), Optimizer.DEFAULT_EPSILON);
        return new TrainingPlan(spec.toMap(), settings, schedule(), (Integer) $(epochs), (Integer) $(batchSize), (Long) $(seed),
                Names.parse(Normalization.Mode.class, "normalization", (String) $(normalization)), null, null, 0,
                (Long) $(allReduceTimeoutMillis));
    }

    private LearningRateSchedule schedule() {
        String per = ((String) $(learningRateDecayPer)).strip().toLowerCase(java.util.Locale.ROOT);
        if (!per.equals("epoch") && !per.equals("step")) {
            throw new IllegalArgumentException("GatunClassifier learningRateDecayPer '" + $(learningRateDecayPer)
                    + "': expected epoch or step");
        }
        try {
            return LearningRateSchedule.parse((Double) $(learningRate), (String) $(learningRateDecay), per.equals("step"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GatunClassifier learningRateDecay " + e.getMessage(), e);
        }
    }

    public static MLReader<GatunClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static GatunClassifier load(String path) {
        return read().load(path);
    }
}

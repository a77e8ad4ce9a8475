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
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Dataset;

/**
 * The params every Gatun estimator shares (the network, its training and its replicas), made for one owner, whose
 * uid they carry as Spark requires, with their defaults; and the training plan they describe. The estimators expose
 * them through {@link GatunNetworkParams}. Public only because that interface returns it; its members are the
 * package's. Serializable, as the estimator that holds it is.
 */
public final class NetworkParamSet implements java.io.Serializable {
    private final Params owner;
    private final String estimator;
    /** What the last layer's width counts, in messages: "classes", or "output". */
    private final String outputs;
    final IntArrayParam layers;
    final Param<String> activation;
    final Param<String> init;
    final Param<String> optimizer;
    final DoubleParam learningRate;
    final DoubleParam beta1;
    final DoubleParam beta2;
    final DoubleParam l2;
    final DoubleParam l1;
    final BooleanParam batchNorm;
    final DoubleParam dropoutKeepProb;
    final Param<String> learningRateDecay;
    final Param<String> learningRateDecayPer;
    final IntParam epochs;
    final IntParam batchSize;
    final LongParam seed;
    final Param<String> normalization;
    final IntParam numPartitions;
    final LongParam allReduceTimeoutMillis;

    /**
     * @param outputs what the last layer's width counts ("classes", or "output" for one)
     * @param example widths for the doc of {@code layers}, e.g. {@code [784, 256, 128, 10]}
     */
    NetworkParamSet(Params owner, String estimator, String outputs, String example) {
        this.owner = owner;
        this.estimator = estimator;
        this.outputs = outputs;
        layers = new IntArrayParam(owner, "layers",
                "layer widths from input to output, e.g. " + example + ": inputs, hidden layers, " + outputs);
        activation = new Param<>(owner, "activation",
                "hidden-layer activation: relu, leaky-relu, tanh, sigmoid or identity; one, or one per hidden layer separated by commas");
        init = new Param<>(owner, "init", "weight initialisation: he, xavier, glorot, random-small or zeros");
        optimizer = new Param<>(owner, "optimizer", "update rule: sgd, momentum, rmsprop or adam");
        learningRate = new DoubleParam(owner, "learningRate", "the optimizer's learning rate (> 0)", ParamValidators.gt(0));
        beta1 = new DoubleParam(owner, "beta1", "momentum's β and Adam's β1, in [0, 1)",
                ParamValidators.inRange(0, 1, true, false));
        beta2 = new DoubleParam(owner, "beta2", "RMSprop's β and Adam's β2, in [0, 1)",
                ParamValidators.inRange(0, 1, true, false));
        l2 = new DoubleParam(owner, "l2", "L2 penalty λ (>= 0): (λ/2m)·Σ‖W‖²", ParamValidators.gtEq(0));
        l1 = new DoubleParam(owner, "l1", "L1 penalty λ (>= 0, not with l2): (λ/2m)·Σ|W|", ParamValidators.gtEq(0));
        batchNorm = new BooleanParam(owner, "batchNorm",
                "batch norm on every hidden layer, with the statistics of the whole global batch");
        dropoutKeepProb = new DoubleParam(owner, "dropoutKeepProb",
                "dropout after every hidden layer: the probability of keeping a unit, in (0, 1]; 1 for none",
                ParamValidators.inRange(0, 1, false, true));
        learningRateDecay = new Param<>(owner, "learningRateDecay",
                "learning-rate decay: none, inverse-time:K, exponential:R, inverse-sqrt:K or staircase:FACTOR:EVERY");
        learningRateDecayPer = new Param<>(owner, "learningRateDecayPer", "what the decay counts: epoch or step");
        epochs = new IntParam(owner, "epochs", "passes over the data (> 0)", ParamValidators.gt(0));
        batchSize = new IntParam(owner, "batchSize", "rows in each global batch, over all partitions together (> 0)",
                ParamValidators.gt(0));
        seed = new LongParam(owner, "seed", "seed of the initial weights and of the batch order");
        normalization = new Param<>(owner, "normalization", "input normalisation fitted on the training data: none,"
                + " scale-to-unit (x/255), standardize-global or standardize-per-feature");
        numPartitions = new IntParam(owner, "numPartitions", "replicas (barrier tasks); 0: the tasks the application"
                + " runs at once (executor cores / spark.task.cpus)", ParamValidators.gtEq(0));
        allReduceTimeoutMillis = new LongParam(owner, "allReduceTimeoutMillis",
                "how long a replica waits for its ring neighbours before it fails the run (> 0)", ParamValidators.gt(0));
        owner.setDefault(activation, "relu");
        owner.setDefault(init, "he");
        owner.setDefault(optimizer, "adam");
        owner.setDefault(learningRate, 1e-3);
        owner.setDefault(beta1, Optimizer.DEFAULT_BETA1);
        owner.setDefault(beta2, Optimizer.DEFAULT_BETA2);
        owner.setDefault(l2, 0.0);
        owner.setDefault(l1, 0.0);
        owner.setDefault(batchNorm, false);
        owner.setDefault(dropoutKeepProb, 1.0);
        owner.setDefault(learningRateDecay, "none");
        owner.setDefault(learningRateDecayPer, "epoch");
        owner.setDefault(epochs, 10);
        owner.setDefault(batchSize, 128);
        owner.setDefault(seed, 42L);
        owner.setDefault(normalization, "standardize-per-feature");
        owner.setDefault(numPartitions, 0);
        owner.setDefault(allReduceTimeoutMillis, TrainingPlan.DEFAULT_TIMEOUT_MILLIS);
    }

    /**
     * The params as a training plan whose output layer has {@code loss}; every name and value is checked here,
     * before any Spark job runs.
     */
    TrainingPlan plan(Loss loss) {
        if (!owner.isDefined(layers)) {
            throw new IllegalArgumentException(estimator + ": set layers, e.g. setLayers(784, 256, 128, "
                    + (loss == Loss.MSE ? "1" : "10") + ")");
        }
        int[] widths = (int[]) owner.$(layers);
        if (widths.length < 2) {
            throw new IllegalArgumentException(estimator + " layers " + java.util.Arrays.toString(widths)
                    + ": need at least the inputs and the " + outputs);
        }
        if (loss == Loss.MSE && widths[widths.length - 1] != 1) {
            throw new IllegalArgumentException(estimator + " layers " + java.util.Arrays.toString(widths)
                    + ": a regression has one output, so the last width must be 1");
        }
        String[] activations = owner.$(activation).split(",");
        int hidden = widths.length - 2;
        if (activations.length != 1 && activations.length != hidden) {
            throw new IllegalArgumentException(estimator + " activation '" + owner.$(activation) + "': give one, or"
                    + " one per hidden layer (" + hidden + ")");
        }
        double keep = (Double) owner.$(dropoutKeepProb);
        Model.Builder builder = Model.builder(widths[0]);
        for (int h = 0; h < hidden; h++) {
            builder.dense(widths[h + 1], Names.parse(Activation.class, "activation",
                    activations[activations.length == 1 ? 0 : h]));
            if ((Boolean) owner.$(batchNorm)) {
                builder.batchNorm();
            }
            if (keep < 1) {
                builder.dropout(keep);
            }
        }
        builder.output(widths[widths.length - 1], loss)
                .init(Names.parse(Init.class, "init", owner.$(init)))
                .seed((Long) owner.$(seed));
        double l2Lambda = (Double) owner.$(l2);
        double l1Lambda = (Double) owner.$(l1);
        if (l2Lambda > 0 && l1Lambda > 0) {
            throw new IllegalArgumentException(estimator + ": set l2 or l1, not both (l2 " + l2Lambda + ", l1 "
                    + l1Lambda + ")");
        }
        if (l1Lambda > 0) {
            builder.l1(l1Lambda);
        } else {
            builder.l2(l2Lambda);
        }
        ModelSpec spec = builder.spec();
        Optimizer.Kind kind = Names.parse(Optimizer.Kind.class, "optimizer", owner.$(optimizer));
        OptimizerSettings settings = new OptimizerSettings(kind, (Double) owner.$(learningRate), (Double) owner.$(beta1),
                (Double) owner.$(beta2), Optimizer.DEFAULT_EPSILON);
        return new TrainingPlan(spec.toMap(), settings, schedule(), (Integer) owner.$(epochs), (Integer) owner.$(batchSize),
                (Long) owner.$(seed), Names.parse(Normalization.Mode.class, "normalization", owner.$(normalization)), null,
                null, 0, (Long) owner.$(allReduceTimeoutMillis));
    }

    private LearningRateSchedule schedule() {
        String per = owner.$(learningRateDecayPer).strip().toLowerCase(java.util.Locale.ROOT);
        if (!per.equals("epoch") && !per.equals("step")) {
            throw new IllegalArgumentException(estimator + " learningRateDecayPer '" + owner.$(learningRateDecayPer)
                    + "': expected epoch or step");
        }
        try {
            return LearningRateSchedule.parse((Double) owner.$(learningRate), owner.$(learningRateDecay), per.equals("step"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(estimator + " learningRateDecay " + e.getMessage(), e);
        }
    }

    /**
     * Trains the plan of {@code loss} on {@code dataset}'s feature and label columns over numPartitions replicas, or
     * over every task slot the application has when it is 0.
     */
    TrainingOutcome fit(Dataset<?> dataset, String featuresCol, String labelCol, Loss loss) {
        TrainingPlan plan = plan(loss);
        int set = (Integer) owner.$(numPartitions);
        int partitions = set > 0 ? set : DistributedTrainer.taskSlots(dataset.sparkSession());
        return DistributedTrainer.fit(dataset.toDF(), new Columns(featuresCol, labelCol), plan, partitions);
    }
}

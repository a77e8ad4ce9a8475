package dev.gatun.spark.ml;

import dev.gatun.nn.Loss;
import dev.gatun.spark.train.TrainingOutcome;
import dev.gatun.spark.train.TrainingPlan;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;

/**
 * A Spark ML estimator that trains a Gatun multilayer perceptron classifier (softmax cross-entropy) by synchronous
 * data parallelism: {@link #getNumPartitions()} replicas in one barrier stage, each holding its partition off-heap,
 * summing gradients with a ring all-reduce every step and applying the same optimizer step. {@code fit} takes a
 * DataFrame with a feature-vector column and a numeric label column ({@code 0 .. classes−1}) and returns a
 * {@link GatunClassificationModel}. The global batch of each step is the same set of rows whatever the number of
 * partitions, so the result depends on it only through the order of float sums: batch norm normalises with the
 * global batch's statistics (summed over the replicas, as synchronized batch norm does), dropout draws each row's
 * mask from (seed, step, global row id), the L2 or L1 penalty counts once per global batch, and the learning rate
 * decays per epoch or per step as in single-process training. The network's params are {@link GatunNetworkParams}.
 */
public final class GatunClassifier extends ProbabilisticClassifier<Vector, GatunClassifier, GatunClassificationModel>
        implements GatunNetworkParams<GatunClassifier>, DefaultParamsWritable {
    private final String uid;
    private final NetworkParamSet network;
    /** The model's ({@link GatunClassificationModel#handleInvalid()}), handed on by {@code fit}. */
    private final Param<String> handleInvalid;

    public GatunClassifier() {
        this(Identifiable$.MODULE$.randomUID("gatunClassifier"));
    }

    public GatunClassifier(String uid) {
        // Spark's inherited params read uid() while the superclass is constructed: set it first.
        this.uid = uid;
        super();
        network = new NetworkParamSet(this, "GatunClassifier", "classes", "[784, 256, 128, 10]");
        handleInvalid = GatunClassificationModel.handleInvalidParam(this);
        setDefault(handleInvalid, "error");
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public NetworkParamSet network() {
        return network;
    }

    public Param<String> handleInvalid() { return handleInvalid; }

    /** error (the default), skip or keep, for the fitted model's transform: see {@link GatunClassificationModel}. */
    public GatunClassifier setHandleInvalid(String value) { return (GatunClassifier) set(handleInvalid, value); }

    public String getHandleInvalid() { return $(handleInvalid); }

    @Override
    public GatunClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public GatunClassificationModel train(Dataset<?> dataset) {
        TrainingOutcome outcome = network.fit(dataset, $(featuresCol()), $(labelCol()), Loss.SOFTMAX_CROSS_ENTROPY);
        // The estimator's uid, as every MLlib estimator gives its model: a fitted pipeline's stages keep their uids.
        return new GatunClassificationModel(uid(), outcome.modelFile(), outcome.epochLosses());
    }

    /** The params as a training plan; every name and value is checked here, before any Spark job runs. */
    TrainingPlan plan() {
        return network.plan(Loss.SOFTMAX_CROSS_ENTROPY);
    }

    public static MLReader<GatunClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static GatunClassifier load(String path) {
        return read().load(path);
    }
}

package dev.gatun.spark.ml;

import dev.gatun.nn.Loss;
import dev.gatun.spark.train.TrainingOutcome;
import dev.gatun.spark.train.TrainingPlan;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;

/**
 * A Spark ML estimator that trains a Gatun multilayer perceptron regression of one output (mean squared error) by
 * the same synchronous data parallelism as {@link GatunClassifier}, with the same params
 * ({@link GatunNetworkParams}; {@code layers} end in 1). {@code fit} takes a DataFrame with a feature-vector column
 * and a numeric label column, the target (finite, within float32's range), and returns a
 * {@link GatunRegressionModel}.
 */
public final class GatunRegressor extends Regressor<Vector, GatunRegressor, GatunRegressionModel>
        implements GatunNetworkParams<GatunRegressor>, DefaultParamsWritable {
    private final String uid;
    private final NetworkParamSet network;
    /** The model's ({@link GatunRegressionModel#handleInvalid()}), handed on by {@code fit}. */
    private final Param<String> handleInvalid;

    public GatunRegressor() {
        this(Identifiable$.MODULE$.randomUID("gatunRegressor"));
    }

    public GatunRegressor(String uid) {
        // Spark's inherited params read uid() while the superclass is constructed: set it first.
        this.uid = uid;
        super();
        network = new NetworkParamSet(this, "GatunRegressor", "output", "[13, 64, 32, 1]");
        handleInvalid = RowScoring.handleInvalidParam(this, "prediction");
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

    /** error (the default), skip or keep, for the fitted model's transform: see {@link GatunRegressionModel}. */
    public GatunRegressor setHandleInvalid(String value) { return (GatunRegressor) set(handleInvalid, value); }

    public String getHandleInvalid() { return $(handleInvalid); }

    @Override
    public GatunRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public GatunRegressionModel train(Dataset<?> dataset) {
        TrainingOutcome outcome = network.fit(dataset, $(featuresCol()), $(labelCol()), Loss.MSE);
        return new GatunRegressionModel(uid(), outcome.modelFile(), outcome.epochLosses());
    }

    /** The params as a training plan; every name and value is checked here, before any Spark job runs. */
    TrainingPlan plan() {
        return network.plan(Loss.MSE);
    }

    public static MLReader<GatunRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static GatunRegressor load(String path) {
        return read().load(path);
    }
}

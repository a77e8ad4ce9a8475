package dev.gatun.spark.ml;

import dev.gatun.nn.Loss;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A trained Gatun regression of one output as a Spark ML model. {@code transform} adds {@code prediction}; each
 * executor JVM scores through one Gatun predictor loaded once from the broadcast model file, shared with the model's
 * copies. {@code write().save(path)} keeps Spark's metadata and the Gatun model file ({@code data/model.gatun},
 * loadable unchanged by {@code Predictor.load}). A row the model cannot score (features null, of the wrong size, not
 * finite or beyond float32's range, or values the model's normalisation or layers take beyond float32) fails the job
 * with a message that names the problem ({@code handleInvalid = "error"}, the default), is dropped ({@code "skip"}),
 * or is kept with a NaN {@code prediction} ({@code "keep"}). {@link GatunRegressor} hands its setting on.
 */
public final class GatunRegressionModel extends RegressionModel<Vector, GatunRegressionModel> implements MLWritable {
    private final String uid;
    private final ServedModelFile served;
    private final transient double[] trainingLosses;
    private final Param<String> handleInvalid = RowScoring.handleInvalidParam(this, "prediction");

    GatunRegressionModel(String uid, byte[] modelFile, double[] trainingLosses) {
        this(uid, ServedModelFile.of(modelFile, Loss.MSE, "GatunRegressionModel"), trainingLosses);
    }

    /** A model of {@code served}, which a copy shares with its original. */
    private GatunRegressionModel(String uid, ServedModelFile served, double[] trainingLosses) {
        this.uid = uid;
        this.served = served;
        this.trainingLosses = trainingLosses.clone();
        super();
        setDefault(handleInvalid, "error");
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public int numFeatures() {
        return served.inputs;
    }

    public Param<String> handleInvalid() {
        return handleInvalid;
    }

    public String getHandleInvalid() {
        return $(handleInvalid);
    }

    /** error (the default), skip or keep: see the class's description. */
    public GatunRegressionModel setHandleInvalid(String value) {
        set(handleInvalid, value);
        return this;
    }

    @Override
    public double predict(Vector features) {
        float[] y = served.outputs(features, this, handleInvalid);
        return y == null ? Double.NaN : y[0];   // NaN: a row kept unscored
    }

    /** With {@code handleInvalid = "skip"}, the rows kept unscored (NaN prediction) are dropped after scoring. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> scored = super.transform(dataset);
        if (!getHandleInvalid().equals("skip") || getPredictionCol().isEmpty()) {
            return scored;   // no prediction column: Spark's transform is a no-op, and nothing was scored to drop by
        }
        return scored.filter(functions.not(functions.isnan(functions.col(getPredictionCol()))));
    }

    /** The Gatun model file's bytes (driver side). */
    public byte[] modelFile() {
        return served.file();
    }

    /** Training loss (mean squared error, and the penalty) of each epoch of the run that made this model. */
    public double[] trainingLosses() {
        return trainingLosses == null ? new double[0] : trainingLosses.clone();
    }

    @Override
    public GatunRegressionModel copy(ParamMap extra) {
        return copyValues(new GatunRegressionModel(uid, served, trainingLosses()), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new GatunModelWriter(this, modelFile(), trainingLosses());
    }

    /** ML persistence finds this by name: Spark calls the static {@code read()} of the class a save recorded. */
    public static MLReader<GatunRegressionModel> read() {
        return new GatunModelReader<>(GatunRegressionModel.class, GatunRegressionModel::new);
    }

    public static GatunRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "GatunRegressionModel: uid=" + uid + ", inputs=" + served.inputs;
    }
}

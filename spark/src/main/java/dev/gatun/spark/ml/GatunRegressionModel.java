package dev.gatun.spark.ml;

import dev.gatun.nn.Loss;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A trained Gatun regression of one output as a Spark ML model. {@code transform} adds {@code prediction}; each
 * executor JVM scores through one Gatun predictor loaded once from the broadcast model file, shared with the model's
 * copies. {@code write().save(path)} keeps Spark's metadata and the Gatun model file ({@code data/model.gatun},
 * loadable unchanged by {@code Predictor.load}). A row the model cannot score (features null, of the wrong size, not
 * finite or beyond float32's range, or values the model's normalisation or layers take beyond float32) fails the job
 * with a message that names the problem.
 */
public final class GatunRegressionModel extends RegressionModel<Vector, GatunRegressionModel> implements MLWritable {
    private final String uid;
    private final ServedModelFile served;
    private final transient double[] trainingLosses;

    GatunRegressionModel(String uid, byte[] modelFile, double[] trainingLosses) {
        this(uid, ServedModelFile.of(modelFile, Loss.MSE, "GatunRegressionModel"), trainingLosses);
    }

    /** A model of {@code served}, which a copy shares with its original. */
    private GatunRegressionModel(String uid, ServedModelFile served, double[] trainingLosses) {
        this.uid = uid;
        this.served = served;
        this.trainingLosses = trainingLosses.clone();
        super();
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public int numFeatures() {
        return served.inputs;
    }

    @Override
    public double predict(Vector features) {
        return served.outputs(features)[0];
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

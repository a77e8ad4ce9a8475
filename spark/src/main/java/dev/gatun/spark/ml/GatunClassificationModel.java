package dev.gatun.spark.ml;

import dev.gatun.nn.Loss;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;


/**
 * A trained Gatun classifier as a Spark ML model. {@code transform} adds {@code rawPrediction} (log-probabilities),
 * {@code probability} and {@code prediction}; each executor JVM scores through one Gatun predictor loaded once
 * from the broadcast model file. {@code write().save(path)} keeps Spark's metadata and the Gatun model file
 * ({@code data/model.gatun}, loadable unchanged by {@code Predictor.load} and {@code gatun eval}).
 *
 * <p>A row the model cannot score (features null, of the wrong size, not finite or beyond float32's range, or values
 * the model's normalisation or layers take beyond float32) fails the job with a message that names the problem
 * ({@code handleInvalid = "error"}, the default), is dropped ({@code "skip"}), or is kept with NaN in
 * {@code rawPrediction}, {@code probability} and {@code prediction} ({@code "keep"}): never scored as a class it was
 * not given. {@link GatunClassifier} has the same param and hands it to the model it fits.
 */
public final class GatunClassificationModel
        extends ProbabilisticClassificationModel<Vector, GatunClassificationModel> implements MLWritable {
    private final String uid;
    private final ServedModelFile served;
    private final transient double[] trainingLosses;
    private final int inputs;
    private final int classes;
    private final Param<String> handleInvalid = handleInvalidParam(this);

    GatunClassificationModel(String uid, byte[] modelFile, double[] trainingLosses) {
        this(uid, ServedModelFile.of(modelFile, Loss.SOFTMAX_CROSS_ENTROPY, "GatunClassificationModel"), trainingLosses);
    }

    /** A model of {@code served}, which a copy shares with its original. */
    private GatunClassificationModel(String uid, ServedModelFile served, double[] trainingLosses) {
        this.uid = uid;
        this.served = served;
        this.trainingLosses = trainingLosses.clone();
        this.inputs = served.inputs;
        this.classes = served.outputs;
        super();
        setDefault(handleInvalid, "error");
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int numFeatures() {
        return inputs;
    }

    /** The Gatun model file's bytes (driver side). */
    public byte[] modelFile() {
        return served.file();
    }

    public Param<String> handleInvalid() {
        return handleInvalid;
    }

    public String getHandleInvalid() {
        return $(handleInvalid);
    }

    /** error (the default), skip or keep: see the class's description. */
    public GatunClassificationModel setHandleInvalid(String value) {
        set(handleInvalid, value);
        return this;
    }

    /** The param both the estimator and the model declare, so that {@code fit} hands the estimator's on. */
    static Param<String> handleInvalidParam(org.apache.spark.ml.param.Params owner) {
        return RowScoring.handleInvalidParam(owner, "rawPrediction, probability and prediction");
    }

    /**
     * With {@code handleInvalid = "skip"}, the rows scored as a kept row would be (NaN outputs) are dropped after
     * scoring: so are those only the predictor refuses (values its normalisation or layers take beyond float32).
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> scored = super.transform(dataset);
        if (!getHandleInvalid().equals("skip")) {
            return scored;
        }
        if (!getPredictionCol().isEmpty()) {
            return scored.filter(functions.not(functions.isnan(functions.col(getPredictionCol()))));
        }
        if (getRawPredictionCol().isEmpty() && getProbabilityCol().isEmpty()) {
            return scored;   // no output column: Spark's transform is a no-op, and nothing was scored to drop by
        }
        String vectors = !getRawPredictionCol().isEmpty() ? getRawPredictionCol() : getProbabilityCol();
        UserDefinedFunction scoredRow = functions.udf((UDF1<Vector, Boolean>) v -> !hasNaN(v), DataTypes.BooleanType);
        return scored.filter(scoredRow.apply(functions.col(vectors)));
    }

    /** Training loss of each epoch of the run that made this model; empty for a loaded model. */
    public double[] trainingLosses() {
        return trainingLosses == null ? new double[0] : trainingLosses.clone();
    }

    @Override
    public Vector predictRaw(Vector features) {
        float[] p = served.outputs(features, this, handleInvalid);
        double[] raw = new double[classes];
        for (int c = 0; c < classes; c++) {
            // Log-probabilities: softmax gives them back; the floor keeps a probability of 0 finite. A row kept
            // unscored gets NaN, hence NaN probabilities and prediction.
            raw[c] = p == null ? Double.NaN : Math.log(Math.max(p[c], Float.MIN_NORMAL));
        }
        return Vectors.dense(raw);
    }

    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        double[] values = ((DenseVector) rawPrediction).values();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < values.length; c++) {
            values[c] = Math.exp(values[c] - max);
            sum += values[c];
        }
        for (int c = 0; c < values.length; c++) {
            values[c] /= sum;
        }
        return rawPrediction;
    }

    /** NaN for a kept invalid row (NaN log-probabilities), which an argmax would read as class 0. */
    @Override
    public double raw2prediction(Vector rawPrediction) {
        return hasNaN(rawPrediction) ? Double.NaN : super.raw2prediction(rawPrediction);
    }

    /** As {@link #raw2prediction}, for the probabilities a kept invalid row gets. */
    @Override
    public double probability2prediction(Vector probability) {
        return hasNaN(probability) ? Double.NaN : super.probability2prediction(probability);
    }

    private static boolean hasNaN(Vector v) {
        for (double x : v.toArray()) {
            if (Double.isNaN(x)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public GatunClassificationModel copy(ParamMap extra) {
        // CrossValidator and TrainValidationSplit copy the model for every fold and setting: one broadcast and one
        // predictor per executor serve them all (a copy per broadcast kept a predictor per copy for the JVM's life).
        GatunClassificationModel copy = new GatunClassificationModel(uid, served, trainingLosses());
        return copyValues(copy, extra).setParent(parent());
    }

    /**
     * Java sees this twice, with return types no Java generic type satisfies both of (Scala's covariant override and
     * its bridge); the raw type overrides both, and the probabilistic model's answer is the one to give.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public MLWriter write() {
        return new GatunModelWriter(this, modelFile(), trainingLosses());
    }

    /** ML persistence finds this by name: Spark calls the static {@code read()} of the class a save recorded. */
    public static MLReader<GatunClassificationModel> read() {
        return new GatunModelReader<>(GatunClassificationModel.class, GatunClassificationModel::new);
    }

    public static GatunClassificationModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "GatunClassificationModel: uid=" + uid + ", inputs=" + inputs + ", classes=" + classes;
    }
}

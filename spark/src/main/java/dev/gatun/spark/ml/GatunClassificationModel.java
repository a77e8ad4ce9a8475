package dev.gatun.spark.ml;

import dev.gatun.spark.ModelBytes;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.ModelSpec;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import scala.reflect.ClassTag$;


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
    private static final ThreadLocal<float[][]> ROWS = new ThreadLocal<>();

    private final String uid;
    /** The model file; on the driver only (the executors read the broadcast). */
    private final transient byte[] modelFile;
    private final transient double[] trainingLosses;
    private final Broadcast<byte[]> broadcast;
    /** {@code broadcast::value}, made once per model object in a JVM rather than once per row scored. */
    private transient java.util.function.Supplier<byte[]> broadcastBytes;
    /** Names this model's predictor in each executor JVM: the model file's digest, so copies share one. */
    private final String predictorKey;
    private final int inputs;
    private final int classes;
    private final Param<String> handleInvalid = handleInvalidParam(this);

    GatunClassificationModel(String uid, byte[] modelFile, double[] trainingLosses) {
        this(uid, modelFile, trainingLosses, null);
    }

    /** {@code shared}: a copy's broadcast, the original's; null broadcasts the file anew. */
    private GatunClassificationModel(String uid, byte[] modelFile, double[] trainingLosses, Broadcast<byte[]> shared) {
        byte[] file = modelFile.clone();
        this.uid = uid;
        this.modelFile = file;
        this.trainingLosses = trainingLosses.clone();
        ModelSpec spec = describe(file);
        this.inputs = spec.inputs();
        this.classes = spec.outputs();
        this.predictorKey = ExecutorPredictors.keyOf(file);
        super();
        setDefault(handleInvalid, "error");
        this.broadcast = shared != null ? shared
                : SparkSession.active().sparkContext().broadcast(file, ClassTag$.MODULE$.apply(byte[].class));
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
        if (modelFile == null) {
            throw new IllegalStateException("the model file is kept on the driver only");
        }
        return modelFile.clone();
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
        return new Param<>(owner, "handleInvalid", "what transform does with a row the model cannot score (features"
                + " null, of the wrong size, not finite or beyond float32, or taken beyond float32 by the model):"
                + " error (fail, naming the problem), skip (drop the row) or keep (NaN rawPrediction, probability"
                + " and prediction)", ParamValidators.inArray(new String[] {"error", "skip", "keep"}));
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

    /** Whether the model can score {@code features}: present, of its size, every value finite within float32. */
    static boolean isValid(Vector features, int inputs) {
        if (features == null || features.size() != inputs) {
            return false;
        }
        double[] values = features instanceof SparseVector sparse ? sparse.values() : features.toArray();
        for (double v : values) {
            if (!Double.isFinite(v) || Float.isInfinite((float) v)) {
                return false;
            }
        }
        return true;
    }

    /** Training loss of each epoch of the run that made this model; empty for a loaded model. */
    public double[] trainingLosses() {
        return trainingLosses == null ? new double[0] : trainingLosses.clone();
    }

    @Override
    public Vector predictRaw(Vector features) {
        // The mode is read for invalid rows only: a param lookup per row would cost every prediction.
        if (!isValid(features, inputs) && !getHandleInvalid().equals("error")) {
            return unscored();
        }
        try {
            return scored(features);
        } catch (IllegalArgumentException e) {
            if (getHandleInvalid().equals("error")) {
                throw e;
            }
            return unscored();   // a value the normalisation or a layer took beyond float32
        }
    }

    /** A row kept unscored: NaN log-probabilities, hence NaN probabilities and prediction. */
    private Vector unscored() {
        double[] nan = new double[classes];
        java.util.Arrays.fill(nan, Double.NaN);
        return Vectors.dense(nan);
    }

    private Vector scored(Vector features) {
        if (features == null) {
            throw new IllegalArgumentException("a row's features are null; the model takes a vector of " + inputs
                    + " values (drop or fill such rows before transform)");
        }
        if (features.size() != inputs) {
            throw new IllegalArgumentException("features vector of " + features.size() + " values; the model takes " + inputs);
        }
        float[][] rows = ROWS.get();
        if (rows == null || rows[0].length != inputs || rows[1].length != classes) {
            rows = new float[][] {new float[inputs], new float[classes]};
            ROWS.set(rows);
        }
        float[] x = rows[0];
        if (features instanceof SparseVector sparse) {
            java.util.Arrays.fill(x, 0f);
            for (int k = 0; k < sparse.indices().length; k++) {
                x[sparse.indices()[k]] = toFloat(sparse.values()[k], sparse.indices()[k]);
            }
        } else {
            double[] values = features.toArray();
            for (int j = 0; j < inputs; j++) {
                x[j] = toFloat(values[j], j);
            }
        }
        java.util.function.Supplier<byte[]> bytes = broadcastBytes;
        if (bytes == null) {   // a race makes two equal suppliers: harmless
            bytes = broadcast::value;
            broadcastBytes = bytes;
        }
        ExecutorPredictors.predict(predictorKey, bytes, x, rows[1]);
        double[] raw = new double[classes];
        for (int c = 0; c < classes; c++) {
            // Log-probabilities: softmax gives them back; the floor keeps a probability of 0 finite.
            raw[c] = Math.log(Math.max(rows[1][c], Float.MIN_NORMAL));
        }
        return Vectors.dense(raw);
    }

    /**
     * A feature in the float32 the model computes in. A finite double beyond float32's range would become ±Infinity
     * here, and the predictor's refusal would name a value the row does not hold: it is named as given.
     */
    private static float toFloat(double value, int feature) {
        float x = (float) value;
        if (Float.isInfinite(x) && Double.isFinite(value)) {
            throw new IllegalArgumentException("feature " + feature + " is " + value + ", beyond float32's range of ±"
                    + Float.MAX_VALUE + " (Gatun models compute in float32)");
        }
        return x;
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
        GatunClassificationModel copy = new GatunClassificationModel(uid, modelFile(), trainingLosses(), broadcast);
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
        return new GatunModelWriter(this);
    }

    /** ML persistence finds this by name: Spark calls the static {@code read()} of the class a save recorded. */
    public static MLReader<GatunClassificationModel> read() {
        return new GatunModelReader();
    }

    public static GatunClassificationModel load(String path) {
        return read().load(path);
    }

    /** The architecture a model file holds, read through the core's validating reader. */
    private static ModelSpec describe(byte[] file) {
        return ModelBytes.read(file, "reading a Gatun model file", path -> ModelIo.describe(path).spec());
    }

    @Override
    public String toString() {
        return "GatunClassificationModel: uid=" + uid + ", inputs=" + inputs + ", classes=" + classes;
    }
}

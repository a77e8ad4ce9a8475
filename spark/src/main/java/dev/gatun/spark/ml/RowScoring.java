package dev.gatun.spark.ml;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.util.function.Supplier;

/**
 * One Spark row's features through the executor JVM's predictor of a model ({@link ExecutorPredictors}), for the
 * Gatun models' per-row {@code predict}: the features checked and copied into float32 in the caller's buffers (one
 * pair per model and thread, {@link ServedModelFile}), so that scoring a row allocates nothing of its own.
 */
final class RowScoring {
    private RowScoring() {}

    /**
     * The model's outputs for {@code features}, written into {@code y} ({@code x} takes the features in float32).
     *
     * @throws IllegalArgumentException for null features, a vector of another size, or a value the model cannot
     *         take (not finite, beyond float32, or taken beyond float32 by its normalisation or layers)
     */
    static float[] outputs(Vector features, float[] x, float[] y, String predictorKey, Supplier<byte[]> modelFile) {
        int inputs = x.length;
        if (features == null) {
            throw new IllegalArgumentException("a row's features are null; the model takes a vector of " + inputs
                    + " values (drop or fill such rows before transform)");
        }
        if (features.size() != inputs) {
            throw new IllegalArgumentException("features vector of " + features.size() + " values; the model takes " + inputs);
        }
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
        ExecutorPredictors.predict(predictorKey, modelFile, x, y);
        return y;
    }

    /**
     * The {@code handleInvalid} param of a Gatun estimator and its model ({@code fit} hands the estimator's on):
     * {@code keep} puts NaN in {@code nanColumns}.
     */
    static Param<String> handleInvalidParam(Params owner, String nanColumns) {
        return new Param<>(owner, "handleInvalid", "what transform does with a row the model cannot score (features"
                + " null, of the wrong size, not finite or beyond float32, or taken beyond float32 by the model):"
                + " error (fail, naming the problem), skip (drop the row) or keep (NaN " + nanColumns + ")",
                ParamValidators.inArray(new String[] {"error", "skip", "keep"}));
    }

    /** Whether a model can score {@code features}: present, of its size, every value finite within float32. */
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
}

package dev.gatun.spark.ml;

import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.ModelSpec;
import dev.gatun.spark.ModelBytes;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.SparkSession;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.function.Supplier;

/**
 * A Gatun model's file as a Spark ML model serves it: the bytes on the driver, one Spark broadcast of them for the
 * executors, and the key of the predictor each executor JVM keeps for it ({@link ExecutorPredictors}). Immutable,
 * so a model's copies (CrossValidator makes one per fold and setting) share it, and with it one broadcast and one
 * predictor per executor.
 */
final class ServedModelFile implements Serializable {
    /** On the driver only: the executors read the broadcast. */
    private final transient byte[] file;
    private final Broadcast<byte[]> broadcast;
    /** {@code broadcast::value}, made once per deserialised copy (per task) rather than once per row scored. */
    private transient Supplier<byte[]> bytes;
    /** Each thread's features and outputs of one row, this model's own size. */
    private transient ThreadLocal<float[][]> rows;
    /** The model file's digest: copies, and models of the same file, share one predictor. */
    private final String predictorKey;
    final int inputs;
    final int outputs;

    private ServedModelFile(byte[] file, ModelSpec spec) {
        this.file = file;
        this.inputs = spec.inputs();
        this.outputs = spec.outputs();
        this.predictorKey = ExecutorPredictors.keyOf(file);
        this.broadcast = SparkSession.active().sparkContext().broadcast(file, ClassTag$.MODULE$.apply(byte[].class));
    }

    /**
     * {@code file} (copied), which must hold a model whose output layer has {@code loss}; {@code model} names the
     * Spark model that serves it, for the refusal.
     */
    static ServedModelFile of(byte[] file, Loss loss, String model) {
        byte[] copy = file.clone();
        ModelSpec spec = ModelBytes.read(copy, "reading a Gatun model file", path -> ModelIo.describe(path).spec());
        if (spec.loss() != loss || (loss == Loss.MSE && spec.outputs() != 1)) {
            throw new IllegalArgumentException(model + " serves " + (loss == Loss.MSE ? "regressions of one output"
                    : "classifiers") + " trained with " + words(loss) + "; this model file has " + spec.outputs()
                    + (spec.outputs() == 1 ? " output" : " outputs") + " trained with " + words(spec.loss()));
        }
        return new ServedModelFile(copy, spec);
    }

    private static String words(Loss loss) {
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> "softmax cross-entropy";
            case BINARY_CROSS_ENTROPY -> "binary cross-entropy";
            case MSE -> "mean squared error";
        };
    }

    /** The model file's bytes (driver side). */
    byte[] file() {
        if (file == null) {
            throw new IllegalStateException("the model file is kept on the driver only");
        }
        return file.clone();
    }

    /**
     * As {@link #outputs(Vector)}, under the model's {@code handleInvalid}: null for a row it cannot score (invalid
     * features, or values the normalisation or a layer takes beyond float32) unless the mode is {@code error}, which
     * throws. The mode is read for such rows only: a param lookup per row would cost every prediction.
     */
    float[] outputs(Vector features, Params model, Param<String> handleInvalid) {
        if (!RowScoring.isValid(features, inputs) && !model.$(handleInvalid).equals("error")) {
            return null;
        }
        try {
            return outputs(features);
        } catch (IllegalArgumentException e) {
            if (model.$(handleInvalid).equals("error")) {
                throw e;
            }
            return null;
        }
    }

    /** The model's outputs for one row ({@link RowScoring#outputs}), in this thread's buffer (valid until its next call). */
    float[] outputs(Vector features) {
        Supplier<byte[]> b = bytes;
        ThreadLocal<float[][]> r = rows;
        if (b == null || r == null) {   // a race makes two equal suppliers or buffers: harmless
            b = broadcast::value;
            r = ThreadLocal.withInitial(() -> new float[][] {new float[inputs], new float[outputs]});
            bytes = b;
            rows = r;
        }
        float[][] row = r.get();
        return RowScoring.outputs(features, row[0], row[1], predictorKey, b);
    }
}

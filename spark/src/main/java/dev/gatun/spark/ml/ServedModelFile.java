package dev.gatun.spark.ml;

import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.ModelSpec;
import dev.gatun.spark.ModelBytes;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
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
    /** {@code broadcast::value}, made once per JVM rather than once per row scored. */
    private transient Supplier<byte[]> bytes;
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
            throw new IllegalArgumentException(model + " serves a model of " + (loss == Loss.MSE ? "one " : "")
                    + loss + " output" + (loss == Loss.MSE ? "" : "s") + "; this model file's outputs are "
                    + spec.outputs() + " of " + spec.loss());
        }
        return new ServedModelFile(copy, spec);
    }

    /** The model file's bytes (driver side). */
    byte[] file() {
        if (file == null) {
            throw new IllegalStateException("the model file is kept on the driver only");
        }
        return file.clone();
    }

    /** The model's outputs for one row ({@link RowScoring#outputs}), in this thread's buffer. */
    float[] outputs(Vector features) {
        Supplier<byte[]> b = bytes;
        if (b == null) {   // a race makes two equal suppliers: harmless
            b = broadcast::value;
            bytes = b;
        }
        return RowScoring.outputs(features, inputs, outputs, predictorKey, b);
    }
}

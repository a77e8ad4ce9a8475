package dev.gatun.spark.ml;

import dev.gatun.spark.ModelBytes;
import dev.gatun.serve.Predictor;
import org.apache.spark.broadcast.Broadcast;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One Gatun {@link Predictor} per model per JVM: the first row a task of this executor scores loads the model from
 * its broadcast bytes, every later row and task of the JVM shares it (the predictor is thread-safe). Predictors
 * live as long as the JVM; a JVM holds one per model object it has scored with (a copy of a model is another).
 */
final class ExecutorPredictors {
    /** By the model object's key: broadcast ids start again at 0 in every SparkContext a JVM runs. */
    private static final ConcurrentHashMap<String, Predictor> PREDICTORS = new ConcurrentHashMap<>();

    private ExecutorPredictors() {}

    static Predictor of(String key, Broadcast<byte[]> model) {
        return PREDICTORS.computeIfAbsent(key, k -> load(model.value()));
    }

    private static Predictor load(byte[] file) {
        return ModelBytes.read(file, "loading the broadcast Gatun model on this executor", Predictor::load);
    }
}

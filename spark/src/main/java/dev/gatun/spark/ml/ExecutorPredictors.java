package dev.gatun.spark.ml;

import dev.gatun.serve.Predictor;
import org.apache.spark.broadcast.Broadcast;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One Gatun {@link Predictor} per model per JVM: the first row a task of this executor scores loads the model from
 * its broadcast bytes, every later row and task of the JVM shares it (the predictor is thread-safe). Predictors
 * live as long as the JVM, as broadcast values do; a JVM holds one per model it has scored with.
 */
final class ExecutorPredictors {
    private static final ConcurrentHashMap<Long, Predictor> PREDICTORS = new ConcurrentHashMap<>();

    private ExecutorPredictors() {}

    static Predictor of(Broadcast<byte[]> model) {
        return PREDICTORS.computeIfAbsent(model.id(), id -> load(model.value()));
    }

    private static Predictor load(byte[] file) {
        return ModelBytes.read(file, "loading the broadcast Gatun model on this executor", Predictor::load);
    }
}

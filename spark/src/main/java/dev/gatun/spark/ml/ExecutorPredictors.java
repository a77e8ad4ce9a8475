package dev.gatun.spark.ml;

import dev.gatun.spark.ModelBytes;
import dev.gatun.serve.Predictor;
import org.apache.spark.broadcast.Broadcast;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One Gatun {@link Predictor} per model file per JVM: the first row a task of this executor scores loads the model
 * from its broadcast bytes, every later row and task of the JVM shares it (the predictor is thread-safe). Predictors
 * live as long as the JVM; a JVM holds one per distinct model file it has scored with, whatever the number of model
 * objects (copies included) and SparkContexts that carried it.
 */
final class ExecutorPredictors {
    /** By the model file's digest ({@link #keyOf}): broadcast ids start again at 0 in every SparkContext a JVM runs. */
    private static final ConcurrentHashMap<String, Predictor> PREDICTORS = new ConcurrentHashMap<>();

    private ExecutorPredictors() {}

    static Predictor of(String key, Broadcast<byte[]> model) {
        return PREDICTORS.computeIfAbsent(key, k -> load(model.value()));
    }

    /** The key of a model file: its SHA-256, in hex. */
    static String keyOf(byte[] file) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** How many predictors this JVM holds (for the tests). */
    static int loaded() {
        return PREDICTORS.size();
    }

    private static Predictor load(byte[] file) {
        return ModelBytes.read(file, "loading the broadcast Gatun model on this executor", Predictor::load);
    }
}

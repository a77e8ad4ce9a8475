package dev.gatun.spark.ml;

import dev.gatun.spark.ModelBytes;
import dev.gatun.serve.Predictor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One Gatun {@link Predictor} per model file per JVM: the first row a task of this executor scores loads the model
 * from its broadcast bytes, every later row and task of the JVM shares it (the predictor is thread-safe), whatever the
 * number of model objects (copies included) and SparkContexts that carried the file.
 *
 * <p>Beyond {@value #KEPT} model files, a JVM closes the predictors it has not used for {@link #IDLE_SECONDS}
 * seconds, least recently used first, when it loads another: an application that scores with model after model (a
 * cross-validation's grid, a model retrained every day) held every one of them, native weights included, until the
 * executor ended. Models in use are never closed, however many: a pipeline of ten Gatun models (OneVsRest over ten
 * classes) scores every row with all ten, and closing by count alone reloaded a model on every row. A row whose
 * predictor was closed under it all the same is scored again with a fresh one ({@link #predict}).
 */
final class ExecutorPredictors {
    /** How many model files' predictors a JVM keeps whatever their use. */
    static final int KEPT = 8;
    /** Beyond {@link #KEPT}, how long a predictor may go unused before the next load closes it. */
    static final long IDLE_SECONDS = 60;
    /** {@link #IDLE_SECONDS} in nanoseconds; shorter in the tests. */
    static long idleNanos = IDLE_SECONDS * 1_000_000_000L;
    /** A predictor's last use is written at most this often, so that rows scored in parallel do not share a write. */
    private static final long TOUCH_NANOS = 1_000_000_000L;

    /** By the model file's digest ({@link #keyOf}): broadcast ids start again at 0 in every SparkContext a JVM runs. */
    private static final ConcurrentHashMap<String, Kept> PREDICTORS = new ConcurrentHashMap<>();

    private ExecutorPredictors() {}

    /** A predictor and when it was last asked for. */
    private static final class Kept {
        final Predictor predictor;
        volatile long lastUse = System.nanoTime();

        Kept(Predictor predictor) {
            this.predictor = predictor;
        }
    }

    /** The predictor of the model file {@code key} names, loaded from {@code file} the first time. */
    static Predictor of(String key, Supplier<byte[]> file) {
        // A plain read on every row but a model's first: computeIfAbsent's lambda and flag are allocated per call.
        Kept kept = PREDICTORS.get(key);
        if (kept == null) {
            return loaded(key, file);
        }
        long now = System.nanoTime();
        if (now - kept.lastUse > TOUCH_NANOS) {
            kept.lastUse = now;
        }
        return kept.predictor;
    }

    /** The first use of a model file in this JVM (or of one loaded by another thread meanwhile). */
    private static Predictor loaded(String key, Supplier<byte[]> file) {
        boolean[] loaded = {false};
        Kept kept = PREDICTORS.computeIfAbsent(key, k -> {
            loaded[0] = true;
            return new Kept(load(file.get()));
        });
        if (loaded[0]) {
            evictBeyondKept(key);
        }
        return kept.predictor;
    }

    /**
     * {@code out} = the model's prediction for {@code x}, with the predictor of {@code key}; once more with a fresh
     * predictor when an eviction closed this one between the lookup and the call.
     */
    static void predict(String key, Supplier<byte[]> file, float[] x, float[] out) {
        for (int attempt = 1; ; attempt++) {
            Predictor predictor = of(key, file);
            try {
                predictor.predict(x, out);
                return;
            } catch (IllegalStateException e) {
                if (!predictor.isClosed() || attempt == 3) {   // closed three times running: something closes them all
                    throw e;
                }
                PREDICTORS.computeIfPresent(key, (k, kept) -> kept.predictor == predictor ? null : kept);
            }
        }
    }

    /**
     * Closes the least recently used predictors (other than {@code keep}'s) that have been idle for
     * {@link #idleNanos}, until at most {@link #KEPT} remain or none is idle.
     */
    private static void evictBeyondKept(String keep) {
        while (PREDICTORS.size() > KEPT) {
            long now = System.nanoTime();
            Map.Entry<String, Kept> oldest = null;
            for (Map.Entry<String, Kept> e : PREDICTORS.entrySet()) {
                boolean idle = now - e.getValue().lastUse > idleNanos;
                if (idle && !e.getKey().equals(keep)
                        && (oldest == null || e.getValue().lastUse < oldest.getValue().lastUse)) {
                    oldest = e;
                }
            }
            if (oldest == null) {
                return;
            }
            if (PREDICTORS.remove(oldest.getKey(), oldest.getValue())) {
                oldest.getValue().predictor.close();   // waits for the calls already running on it
            }
        }
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

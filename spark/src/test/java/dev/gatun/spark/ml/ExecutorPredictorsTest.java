package dev.gatun.spark.ml;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor's predictors: shared per model file, the least recently used closed beyond {@value ExecutorPredictors#KEPT}. */
class ExecutorPredictorsTest {
    @TempDir
    Path dir;

    /** Models in use are kept however many there are: ten used in turn load once each. */
    @Test
    void predictorsInUseAreKeptBeyondTheCount() throws Exception {
        List<Predictor> first = new ArrayList<>();
        List<byte[]> files = new ArrayList<>();
        for (int seed = 100; seed < 100 + ExecutorPredictors.KEPT + 2; seed++) {
            files.add(modelFile(seed));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < files.size(); i++) {
                byte[] file = files.get(i);
                Predictor p = ExecutorPredictors.of(ExecutorPredictors.keyOf(file), () -> file);
                if (round == 0) {
                    first.add(p);
                } else {
                    assertSame(first.get(i), p, "model " + i + " loaded again in round " + round);
                }
            }
        }
        first.forEach(p -> assertFalse(p.isClosed()));
    }

    @Test
    void aJvmClosesIdlePredictorsBeyondTheCountOldestFirst() throws Exception {
        long idle = ExecutorPredictors.idleNanos;
        ExecutorPredictors.idleNanos = 0;   // every predictor not in use counts as idle
        try {
            closesTheOldest();
        } finally {
            ExecutorPredictors.idleNanos = idle;
        }
    }

    private void closesTheOldest() throws Exception {
        List<byte[]> files = new ArrayList<>();
        for (int seed = 0; seed <= ExecutorPredictors.KEPT; seed++) {
            files.add(modelFile(seed));
        }
        String first = ExecutorPredictors.keyOf(files.getFirst());
        Predictor oldest = ExecutorPredictors.of(first, files::getFirst);
        assertSame(oldest, ExecutorPredictors.of(first, files::getFirst), "one predictor per model file");
        float[] x = {0.5f, -1f, 2f, 0.25f};
        float[] before = new float[3];
        ExecutorPredictors.predict(first, files::getFirst, x, before);

        for (byte[] file : files.subList(1, files.size())) {
            ExecutorPredictors.of(ExecutorPredictors.keyOf(file), () -> file);
        }
        assertTrue(oldest.isClosed(), "the least recently used of " + (ExecutorPredictors.KEPT + 1) + " is closed");
        assertTrue(ExecutorPredictors.loaded() <= ExecutorPredictors.KEPT, "kept: " + ExecutorPredictors.loaded());

        // Used again, the first model file is loaded anew and scores as before.
        float[] after = new float[3];
        ExecutorPredictors.predict(first, files::getFirst, x, after);
        assertArrayEquals(before, after);
        assertNotSame(oldest, ExecutorPredictors.of(first, files::getFirst));
    }

    /** A predictor an eviction closes between a row's lookup and its call: the row is scored with a fresh one. */
    @Test
    void aRowWhosePredictorWasClosedUnderItIsScoredAgain() throws Exception {
        byte[] file = modelFile(42);
        String key = ExecutorPredictors.keyOf(file);
        Predictor closed = ExecutorPredictors.of(key, () -> file);
        float[] x = {1f, 2f, 3f, 4f};
        float[] expected = new float[3];
        closed.predict(x, expected);
        closed.close();
        float[] out = new float[3];
        ExecutorPredictors.predict(key, () -> file, x, out);
        assertArrayEquals(expected, out);
        Predictor fresh = ExecutorPredictors.of(key, () -> file);
        assertNotSame(closed, fresh);
        assertFalse(fresh.isClosed());
    }

    private byte[] modelFile(int seed) throws Exception {
        Path file = dir.resolve("m" + seed + ".gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(4).dense(5, Activation.RELU).output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(seed)
                     .build(arena)) {
            ModelIo.save(file, model, Normalization.none(4), Map.of());
        }
        return Files.readAllBytes(file);
    }
}

package dev.gatun.serve;

import dev.gatun.nn.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** 8 threads × 100,000 predictions on one Predictor give exactly the single-threaded outputs. */
class PredictorConcurrencyTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 100_000;
    private static final int INPUTS = 16;

    @ParameterizedTest
    @EnumSource(RowWeights.class)
    void eightThreadsGiveExactlyTheSingleThreadedOutputs(RowWeights rowWeights) throws Exception {
        int distinct = 32;
        float[][] inputs = new float[distinct][];
        float[][] expected = new float[distinct][];
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mixed(arena, INPUTS, dev.gatun.nn.Loss.SOFTMAX_CROSS_ENTROPY, 10);
             Predictor p = Predictor.of(model, Nets.perFeature(INPUTS, 7), Predictor.Options.defaults().withRowWeights(rowWeights))) {
            for (int i = 0; i < distinct; i++) {
                inputs[i] = Nets.raw(i, INPUTS);
                expected[i] = new float[10];
                p.predict(inputs[i], expected[i]);
            }
            AtomicLong mismatches = new AtomicLong();
            AtomicLong done = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int offset = t;
                threads[t] = new Thread(() -> {
                    float[] out = new float[10];
                    try {
                        for (int k = 0; k < PER_THREAD; k++) {
                            int i = (k + offset) % distinct;
                            p.predict(inputs[i], out);
                            for (int j = 0; j < 10; j++) {
                                if (Float.floatToRawIntBits(out[j]) != Float.floatToRawIntBits(expected[i][j])) {
                                    mismatches.incrementAndGet();
                                }
                            }
                        }
                        done.addAndGet(PER_THREAD);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
            }
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            assertEquals((long) THREADS * PER_THREAD, done.get());
            assertEquals(0, mismatches.get(), "outputs that differ from the single-threaded ones");
        }
    }
}

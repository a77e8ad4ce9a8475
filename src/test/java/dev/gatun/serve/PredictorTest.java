package dev.gatun.serve;

import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PredictorTest {
    private static final int IN = 11;

    @TempDir
    Path dir;

    @Test
    void everyPathMatchesTheNaiveReferenceAndModelForward() throws Exception {
        for (Loss loss : Loss.values()) {
            int outputs = loss == Loss.SOFTMAX_CROSS_ENTROPY ? 4 : 3;
            try (Arena arena = Arena.ofConfined(); Model model = Nets.mixed(arena, IN, loss, outputs)) {
                Normalization norm = Nets.perFeature(IN, 2);
                Path file = dir.resolve(loss + ".gatun");
                ModelIo.save(file, model, norm, Map.of());
                int m = 20;
                float[] rows = new float[m * IN];
                for (int r = 0; r < m; r++) {
                    System.arraycopy(Nets.raw(100 + r, IN), 0, rows, r * IN, IN);
                }
                // Model.forward on the normalised batch: the engine's own INFERENCE pass.
                Tensor X = Tensor.allocate(arena, DType.F32, m, IN);
                float[] normalised = new float[IN];
                for (int r = 0; r < m; r++) {
                    norm.apply(java.util.Arrays.copyOfRange(rows, r * IN, (r + 1) * IN), normalised);
                    for (int j = 0; j < IN; j++) {
                        X.set(r, j, normalised[j]);
                    }
                }
                float[] forward = model.forward(X, Mode.INFERENCE).toFloatArray();
                try (Predictor fromModel = Predictor.of(model, norm); Predictor fromFile = Predictor.load(file)) {
                    assertEquals(IN, fromFile.inputs());
                    assertEquals(outputs, fromFile.outputs());
                    float[] batchBlas = new float[m * outputs];
                    fromFile.predict(rows, m, batchBlas);
                    float[] batchRows = new float[3 * outputs];
                    fromModel.predict(java.util.Arrays.copyOf(rows, 3 * IN), 3, batchRows);
                    MemorySegment segRows = arena.allocate(4L * m * IN);
                    MemorySegment.copy(rows, 0, segRows, ValueLayout.JAVA_FLOAT, 0, m * IN);
                    MemorySegment segOut = arena.allocate(4L * m * outputs);
                    fromModel.predict(segRows, m, segOut);
                    for (int r = 0; r < m; r++) {
                        float[] in = java.util.Arrays.copyOfRange(rows, r * IN, (r + 1) * IN);
                        double[] expected = Nets.reference(model, norm, in);
                        float[] one = new float[outputs];
                        fromModel.predict(in, one);
                        float[] fileOne = new float[outputs];
                        fromFile.predict(in, fileOne);
                        assertArrayEquals(one, fileOne, "a saved model predicts the same bits as the in-memory one");
                        MemorySegment segIn = arena.allocate(4L * IN);
                        MemorySegment.copy(in, 0, segIn, ValueLayout.JAVA_FLOAT, 0, IN);
                        MemorySegment segOne = arena.allocate(4L * outputs);
                        fromModel.predict(segIn, segOne);
                        assertArrayEquals(one, segOne.toArray(ValueLayout.JAVA_FLOAT), "segment row = array row");
                        for (int j = 0; j < outputs; j++) {
                            String at = loss + " row " + r + " output " + j;
                            assertEquals(expected[j], one[j], 2e-5, at + " (row kernel vs reference)");
                            assertEquals(expected[j], batchBlas[r * outputs + j], 2e-5, at + " (BLAS batch)");
                            assertEquals(batchBlas[r * outputs + j], segOut.getAtIndex(ValueLayout.JAVA_FLOAT, r * outputs + j),
                                    at + " (segment batch = array batch)");
                            assertEquals(forward[r * outputs + j], one[j], 2e-5, at + " (vs Model.forward)");
                            if (r < 3) {
                                assertEquals(one[j], batchRows[r * outputs + j], at + " (small batch runs the row kernel)");
                            }
                        }
                        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                            int best = 0;
                            for (int j = 1; j < outputs; j++) {
                                best = expected[j] > expected[best] ? j : best;
                            }
                            assertEquals(best, fromModel.classify(in));
                            float[] both = new float[outputs];
                            assertEquals(best, fromModel.classify(in, both), "classify(in, out) picks the same class");
                            assertArrayEquals(one, both, "classify(in, out) fills the same probabilities as predict");
                            assertTrue(fromModel.canClassify());
                        }
                    }
                }
            }
        }
    }

    /**
     * The row kernel leaves out the weights of zero inputs (an image's background, a ReLU's zeros): rows that are
     * half zeros, of either sign, must still give the double-precision reference's answer, as the BLAS batch does.
     */
    @Test
    void rowsWithZerosGiveTheReferenceAnswer() {
        int in = 784;
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 6, in, 300, 40, 10);
             Predictor p = Predictor.of(model, Normalization.scaleToUnit(in))) {
            SplittableRandom random = new SplittableRandom(9);
            int m = 16;
            float[] rows = new float[m * in];
            for (int k = 0; k < rows.length; k++) {
                int pick = random.nextInt(4);
                rows[k] = pick == 0 ? 0f : pick == 1 ? -0f : random.nextInt(1, 256);
            }
            float[] batch = new float[m * 10];
            p.predict(rows, m, batch);
            for (int r = 0; r < m; r++) {
                float[] row = java.util.Arrays.copyOfRange(rows, r * in, (r + 1) * in);
                double[] expected = Nets.reference(model, Normalization.scaleToUnit(in), row);
                float[] one = new float[10];
                p.predict(row, one);
                for (int j = 0; j < 10; j++) {
                    assertEquals(expected[j], one[j], 2e-5, "row " + r + " output " + j + " (row kernel)");
                    assertEquals(expected[j], batch[r * 10 + j], 2e-5, "row " + r + " output " + j + " (BLAS batch)");
                }
            }
        }
    }

    /** Skipping a zero input's weights is exact only for finite weights (0·∞ is NaN): others are refused, named. */
    @Test
    void aModelWithANonFiniteParameterIsRefusedNamingIt() {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 6, IN, 7, 3)) {
            model.tensorsByName().get("W2").set(1, 4, Float.POSITIVE_INFINITY);
            var weight = assertThrows(IllegalArgumentException.class, () -> Predictor.of(model, Normalization.none(IN)));
            assertTrue(weight.getMessage().startsWith("layer 2's W[1, 4] is Infinity: a predictor needs finite"),
                    weight.getMessage());
            model.tensorsByName().get("W2").set(1, 4, 0.5);
            model.tensorsByName().get("b1").set(6, Float.NaN);
            var bias = assertThrows(IllegalArgumentException.class, () -> Predictor.of(model, Normalization.none(IN)));
            assertTrue(bias.getMessage().startsWith("layer 1's bias[6] is NaN"), bias.getMessage());
        }
    }

    /** A file's finite batch-norm parameters that fold into an infinite weight: refused naming the file too. */
    @Test
    void aFileWhoseFoldedWeightsOverflowIsNamed(@TempDir Path dir) throws java.io.IOException {
        Path file = dir.resolve("overflowing.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = Model.builder(IN).dense(7, Activation.RELU).batchNorm()
                .output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena)) {
            model.tensorsByName().get("gamma1").fill(Float.MAX_VALUE);   // γ/√(0 + ε) is past float32's range
            ModelIo.save(file, model, Normalization.none(IN), Map.of());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file).close());
        assertTrue(e.getMessage().startsWith(file + ": layer 1's W[") && e.getMessage().contains("Infinity"),
                e.getMessage());
    }

    /** Rows alternate the direction they read the panels in (Context.descending): a row's answer must not. */
    @Test
    void theSameRowGivesTheSameBitsCallAfterCall() {
        // 300 hidden units: several panel groups with either vector width, so the two directions differ in order.
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 4, IN, 300, 5);
             Predictor p = Predictor.of(model, Normalization.none(IN))) {
            float[] x = Nets.raw(7, IN);
            float[] first = new float[5];
            p.predict(x, first);
            for (int call = 0; call < 5; call++) {
                float[] again = new float[5];
                p.predict(x, again);
                assertArrayEquals(first, again, "call " + call);
            }
        }
    }

    @Test
    void classifyBinaryThresholdsAndRefusesRegression() {
        try (Arena arena = Arena.ofConfined();
             Model binary = Model.builder(3).dense(4, Activation.TANH).output(1, Loss.BINARY_CROSS_ENTROPY).seed(3).build(arena);
             Model mse = Model.builder(3).output(2, Loss.MSE).build(arena);
             Predictor p = Predictor.of(binary, Normalization.none(3));
             Predictor r = Predictor.of(mse, Normalization.none(3))) {
            SplittableRandom random = new SplittableRandom(8);
            for (int t = 0; t < 50; t++) {
                float[] x = {(float) random.nextGaussian() * 3, (float) random.nextGaussian() * 3, (float) random.nextGaussian() * 3};
                double prob = Nets.reference(binary, Normalization.none(3), x)[0];
                assertEquals(prob >= 0.5 ? 1 : 0, p.classify(x));
                float[] out = new float[1];
                assertEquals(prob >= 0.5 ? 1 : 0, p.classify(x, out));
                assertEquals(prob, out[0], 1e-6);
            }
            assertTrue(p.canClassify());
            assertFalse(r.canClassify());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> r.classify(new float[3]));
            assertTrue(e.getMessage().contains("MSE"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> r.classify(new float[3], new float[2]));
            assertThrows(IllegalArgumentException.class, () -> p.classify(new float[3], new float[2]), "wrong output length");
            try (Predictor lenient = Predictor.of(binary, Normalization.none(3),
                    Predictor.Options.defaults().withNonFinite(Predictor.NonFinite.PROPAGATE))) {
                IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> lenient.classify(new float[] {0, Float.NaN, 0}));
                assertTrue(nan.getMessage().contains("output 0 is NaN"), nan.getMessage());
            }
        }
    }

    @Test
    void normalisationIsBitForBitTheDataPackages() {
        Normalization norm = Nets.perFeature(IN, 9);
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 2);
             Predictor p = Predictor.of(model, norm)) {
            float[] raw = Nets.raw(3, IN);
            float[] expected = new float[IN];
            norm.apply(raw, expected);
            // A model of identity-like shape is not needed: compare the normalise step directly.
            float[] got = new float[IN];
            float[] scale = new float[IN];
            float[] shift = new float[IN];
            float[] mean = norm.mean();
            float[] std = norm.std();
            for (int j = 0; j < IN; j++) {
                scale[j] = (float) (1.0 / std[j]);
                shift[j] = (float) (-mean[j] / (double) std[j]);
            }
            KernelProvider.selected().serving().normalize(raw, 0, scale, shift, got, IN);
            assertArrayEquals(expected, got);
            assertTrue(p.nativeBytes() >= 4L * (2 * IN + 2));
        }
    }

    /** m rows from {@code batch} through the segment batch path: rejected, naming {@code expected}, output untouched. */
    private static void assertSegmentsRejected(Predictor p, Arena arena, float[] batch, int m, String expected) {
        MemorySegment batchSegment = arena.allocate(4L * m * IN);
        MemorySegment.copy(batch, 0, batchSegment, ValueLayout.JAVA_FLOAT, 0, m * IN);
        MemorySegment outSegment = arena.allocate(12L * m);
        outSegment.fill((byte) 0x5A);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(batchSegment, m, outSegment));
        assertTrue(e.getMessage().contains(expected), m + " rows, segments: " + e.getMessage());
        for (long k = 0; k < outSegment.byteSize(); k++) {
            assertEquals((byte) 0x5A, outSegment.get(ValueLayout.JAVA_BYTE, k),
                    "a rejected batch of " + m + " wrote its output segment");
        }
    }

    /** A finite input that the model's normalisation takes to ±Inf would give NaN outputs: REJECT names it instead. */
    @Test
    void aFiniteInputTheNormalisationTakesToInfinityIsRejected() {
        float[] mean = new float[IN];
        float[] std = new float[IN];
        java.util.Arrays.fill(std, 1f);
        std[5] = 1e-30f;  // any positive std is a valid normalisation: a feature that barely varied in training
        Normalization tiny = Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, IN, mean, std);
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 6, 3);
             Predictor p = Predictor.of(model, tiny);
             Predictor lenient = Predictor.of(model, tiny,
                     Predictor.Options.defaults().withNonFinite(Predictor.NonFinite.PROPAGATE))) {
            float[] x = Nets.raw(1, IN);
            x[5] = 1e-31f;  // normalises to about 0.1: fine
            float[] out = new float[3];
            p.predict(x, out);
            assertEquals(1.0, out[0] + out[1] + out[2], 1e-6);
            x[5] = 1e10f;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(x, new float[3]));
            assertTrue(e.getMessage().contains("input element 5 is 1.0E10, which the model's normalisation")
                    && e.getMessage().contains("takes to Infinity"), e.getMessage());
            MemorySegment seg = arena.allocate(4L * IN);
            MemorySegment.copy(x, 0, seg, ValueLayout.JAVA_FLOAT, 0, IN);
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(seg, arena.allocate(12)));
            assertTrue(e.getMessage().contains("input element 5 is 1.0E10"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.classify(x));
            assertTrue(e.getMessage().contains("takes to Infinity"), e.getMessage());
            for (int m : new int[]{3, 20}) {
                float[] batch = Nets.raw(m, m * IN);
                for (int r = 0; r < m; r++) {
                    batch[r * IN + 5] = 0f;
                }
                batch[(m / 2) * IN + 5] = -1e10f;
                float[] untouched = new float[3 * m];
                java.util.Arrays.fill(untouched, -7f);
                e = assertThrows(IllegalArgumentException.class, () -> p.predict(batch, m, untouched));
                assertTrue(e.getMessage().contains("row " + m / 2 + " element 5 is -1.0E10")
                        && e.getMessage().contains("takes to -Infinity"), m + " rows: " + e.getMessage());
                for (float v : untouched) {
                    assertEquals(-7f, v, "a rejected batch of " + m + " wrote its output");
                }
                assertSegmentsRejected(p, arena, batch, m, "row " + m / 2 + " element 5 is -1.0E10");
                float[] garbage = new float[3 * m];
                lenient.predict(batch, m, garbage);
                assertTrue(Float.isNaN(garbage[3 * (m / 2)]), "PROPAGATE lets the overflow through, as IEEE does");
            }
        }
    }

    /** Finite inputs far outside any training range overflow a layer; softmax then gives NaN, which is not a class. */
    @Test
    void finiteRowsThatOverflowTheLayersAreRejected() {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 6, 3);
             Predictor p = Predictor.of(model, Normalization.none(IN));
             Predictor lenient = Predictor.of(model, Normalization.none(IN),
                     Predictor.Options.defaults().withNonFinite(Predictor.NonFinite.PROPAGATE))) {
            float[] huge = new float[IN];
            java.util.Arrays.fill(huge, 3e38f);
            float[] garbage = new float[3];
            lenient.predict(huge, garbage);
            assertTrue(!Float.isFinite(garbage[0] + garbage[1] + garbage[2]),
                    "the premise: under PROPAGATE this row's output is not finite, got " + java.util.Arrays.toString(garbage));
            String expected = "gives output ";
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(huge, new float[3]));
            assertTrue(e.getMessage().startsWith("the input " + expected)
                    && e.getMessage().contains("largest magnitude 3.0E38"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.classify(huge));
            assertTrue(e.getMessage().startsWith("the input " + expected), e.getMessage());
            MemorySegment seg = arena.allocate(4L * IN);
            MemorySegment.copy(huge, 0, seg, ValueLayout.JAVA_FLOAT, 0, IN);
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(seg, arena.allocate(12)));
            assertTrue(e.getMessage().startsWith("the input " + expected), e.getMessage());
            float[] first = Nets.raw(9, 9 * IN);
            System.arraycopy(huge, 0, first, 0, IN);
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(first, 9, new float[27]));
            assertTrue(e.getMessage().startsWith("input row 0 " + expected), "a batch's row 0: " + e.getMessage());
            for (int m : new int[]{3, 20}) {
                float[] batch = Nets.raw(m, m * IN);
                System.arraycopy(huge, 0, batch, (m / 2) * IN, IN);
                float[] untouched = new float[3 * m];
                java.util.Arrays.fill(untouched, -7f);
                e = assertThrows(IllegalArgumentException.class, () -> p.predict(batch, m, untouched));
                assertTrue(e.getMessage().startsWith("input row " + m / 2 + " " + expected), m + " rows: " + e.getMessage());
                for (float v : untouched) {
                    assertEquals(-7f, v, "a rejected batch of " + m + " wrote its output");
                }
                assertSegmentsRejected(p, arena, batch, m, "input row " + m / 2 + " " + expected);
                float[] good = Nets.raw(m, m * IN);
                float[] out = new float[3 * m];
                p.predict(good, m, out);   // the context's staged rows do not leak into the next call
                float[] one = new float[3];
                for (int r = 0; r < m; r++) {
                    p.predict(java.util.Arrays.copyOfRange(good, r * IN, (r + 1) * IN), one);
                    for (int j = 0; j < 3; j++) {
                        assertEquals(one[j], out[3 * r + j], 1e-6f, m + " rows: row " + r + " output " + j);
                    }
                }
            }
        }
    }

    @Test
    void badInputGetsAClearException() {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 6, 3);
             Predictor p = Predictor.of(model, Normalization.none(IN));
             Predictor lenient = Predictor.of(model, Normalization.none(IN),
                     Predictor.Options.defaults().withNonFinite(Predictor.NonFinite.PROPAGATE))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[IN + 1], new float[3]));
            assertTrue(e.getMessage().contains("12") && e.getMessage().contains("11"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[IN], new float[4]));
            assertTrue(e.getMessage().contains("output") && e.getMessage().contains("4") && e.getMessage().contains("3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[2 * IN], 3, new float[9]));
            assertTrue(e.getMessage().contains("22") && e.getMessage().contains("33"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[0], 0, new float[0]));
            assertTrue(e.getMessage().contains("m >= 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(arena.allocate(4L * IN - 4), arena.allocate(12)));
            assertTrue(e.getMessage().contains("40") && e.getMessage().contains("44"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> p.predict(arena.allocate(4L * IN), arena.allocate(12).asReadOnly()));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.predict((float[]) null, new float[3]));

            float[] x = Nets.raw(1, IN);
            x[7] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(x, new float[3]));
            assertTrue(e.getMessage().contains("element 7 is NaN"), e.getMessage());
            float[] rows = new float[20 * IN];
            rows[13 * IN + 4] = Float.NEGATIVE_INFINITY;
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(rows, 20, new float[60]));
            assertTrue(e.getMessage().contains("row 13 element 4 is -Infinity"), e.getMessage());
            // A rejected call leaves the caller's output as it was, whether the bad row is first, last or in
            // between, in the BLAS path (rows checked as they are normalised) and the row path (checked first).
            for (int m : new int[]{3, 20}) {
                for (int badRow : new int[]{0, m / 2, m - 1}) {
                    float[] batch = Nets.raw(m, m * IN);
                    batch[badRow * IN + IN - 1] = Float.NaN;
                    float[] untouched = new float[3 * m];
                    java.util.Arrays.fill(untouched, -7f);
                    e = assertThrows(IllegalArgumentException.class, () -> p.predict(batch, m, untouched));
                    String where = badRow == 0 ? "input element " + (IN - 1) : "row " + badRow + " element " + (IN - 1);
                    assertTrue(e.getMessage().contains(where + " is NaN"), m + " rows: " + e.getMessage());
                    for (float v : untouched) {
                        assertEquals(-7f, v, "a rejected batch of " + m + " wrote its output");
                    }
                    assertSegmentsRejected(p, arena, batch, m, where + " is NaN");
                }
            }
            MemorySegment seg = arena.allocate(4L * IN);
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, 10, Float.POSITIVE_INFINITY);
            e = assertThrows(IllegalArgumentException.class, () -> p.predict(seg, arena.allocate(12)));
            assertTrue(e.getMessage().contains("element 10 is Infinity"), e.getMessage());

            float[] out = new float[3];
            lenient.predict(x, out);
            for (float v : out) {
                assertTrue(Float.isNaN(v), "PROPAGATE carries NaN to every softmax output");
            }
            // An int cannot carry the NaN: classify refuses it rather than answer class 0.
            e = assertThrows(IllegalArgumentException.class, () -> lenient.classify(x));
            assertTrue(e.getMessage().contains("is NaN") && e.getMessage().contains("no class"), e.getMessage());
            float[] untouchedClass = {-7f, -7f, -7f};
            assertThrows(IllegalArgumentException.class, () -> lenient.classify(x, untouchedClass));
            assertArrayEquals(new float[] {-7f, -7f, -7f}, untouchedClass, "a refused row wrote its output");
            // The JVM is fine and the predictor still works after all of that.
            p.predict(Nets.raw(2, IN), out);
            assertEquals(1.0, out[0] + out[1] + out[2], 1e-6);
        }
    }

    /** Memory the caller closed or confined to another thread is named, not left to the JDK's "Already closed". */
    @Test
    void segmentsInAClosedOrForeignArenaAndAModelWhoseArenaClosedAreNamed() throws Exception {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 6, 3);
             Predictor p = Predictor.of(model, Normalization.none(IN))) {
            Arena closed = Arena.ofConfined();
            MemorySegment gone = closed.allocate(4L * IN);
            closed.close();
            MemorySegment in = arena.allocate(4L * IN);
            MemorySegment out = arena.allocate(12);
            IllegalStateException input = assertThrows(IllegalStateException.class, () -> p.predict(gone, out));
            assertEquals("input segment lives in an arena that is already closed", input.getMessage());
            Arena closedOut = Arena.ofConfined();
            MemorySegment goneOut = closedOut.allocate(12);
            closedOut.close();
            IllegalStateException output = assertThrows(IllegalStateException.class, () -> p.predict(in, goneOut));
            assertEquals("output segment lives in an arena that is already closed", output.getMessage());
            IllegalStateException batch = assertThrows(IllegalStateException.class, () -> p.predict(gone, 1, out));
            assertEquals("input segment lives in an arena that is already closed", batch.getMessage());
            // The arena is this thread's: another thread's call is named too.
            java.util.concurrent.atomic.AtomicReference<Throwable> other = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    p.predict(in, MemorySegment.ofArray(new float[3]));
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.join();
            assertEquals("input segment belongs to a confined arena of another thread", other.get().getMessage());
            p.predict(in, out);   // still serves
        }
        Arena shared = Arena.ofShared();
        Model model = Nets.mlp(shared, 1, IN, 6, 3);
        shared.close();
        IllegalStateException of = assertThrows(IllegalStateException.class,
                () -> Predictor.of(model, Normalization.none(IN)));
        assertEquals("predictor: the model's W1 lives in an arena that is already closed", of.getMessage());
        IllegalStateException save = assertThrows(IllegalStateException.class, () -> dev.gatun.io.ModelIo.save(
                java.nio.file.Path.of("unwritten.gatun"), model, Normalization.none(IN), Map.of()));
        assertEquals("save: the model's W1 lives in an arena that is already closed", save.getMessage());
        IllegalStateException build = assertThrows(IllegalStateException.class, () -> Nets.mlp(shared, 1, IN, 6, 3));
        assertEquals("Model.build: the arena for the model's parameters is already closed", build.getMessage());
        model.close();
    }

    @Test
    void closeFreesAndLaterCallsThrow() throws Exception {
        Predictor p;
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, IN, 6, 3)) {
            p = Predictor.of(model, Normalization.none(IN));
        }
        float[] out = new float[3];
        p.predict(new float[IN], out);
        p.predict(new float[20 * IN], 20, new float[60]);
        p.close();
        p.close();
        assertTrue(p.isClosed());
        assertEquals(0, p.nativeBytes());
        assertThrows(IllegalStateException.class, () -> p.predict(new float[IN], out));
        assertThrows(IllegalStateException.class, () -> p.classify(new float[IN]));
        assertThrows(IllegalStateException.class, () -> p.predict(new float[20 * IN], 20, new float[60]));
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalStateException.class, () -> p.predict(arena.allocate(4L * IN), arena.allocate(12)));
        }
    }

    @Test
    void batchBuffersGrowToTheLargestBatchAndServeEverySmallerSize() {
        int in = 20;
        long bytesPerRow = 4L * (in + 16 + 4 + 4);   // X, each stage's A, and the softmax output P
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 3, in, 16, 4);
             Predictor p = Predictor.of(model, Normalization.none(in), Predictor.Options.defaults().withSlots(1))) {
            long weights = p.nativeBytes();
            float[] rows = Nets.raw(5, 40 * in);
            java.util.function.IntFunction<float[]> batch = m -> {
                float[] out = new float[m * 4];
                p.predict(java.util.Arrays.copyOf(rows, m * in), m, out);
                return out;
            };
            batch.apply(16);
            assertEquals(weights + 16 * bytesPerRow, p.nativeBytes());
            // Six sizes below 16, more than the views kept: not one allocates, and each row's outputs are its own.
            float[] single = new float[4];
            for (int m : new int[] {8, 15, 9, 12, 10, 11, 8}) {
                float[] out = batch.apply(m);
                assertEquals(weights + 16 * bytesPerRow, p.nativeBytes(), "m = " + m);
                for (int r = 0; r < m; r++) {
                    p.predict(java.util.Arrays.copyOfRange(rows, r * in, (r + 1) * in), single);
                    assertArrayEquals(single, java.util.Arrays.copyOfRange(out, r * 4, (r + 1) * 4), 1e-5f,
                            "m = " + m + ", row " + r);
                }
            }
            // One row more grows the buffers by half: 24 rows, not 17, so batches creeping up do not allocate each time.
            batch.apply(17);
            assertEquals(weights + 24 * bytesPerRow, p.nativeBytes());
            batch.apply(24);
            assertEquals(weights + 24 * bytesPerRow, p.nativeBytes());
            batch.apply(40);
            assertEquals(weights + 40 * bytesPerRow, p.nativeBytes());
        }
    }

    @Test
    void closingUnderLoadIsSafe() throws Exception {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mlp(arena, 1, 64, 32, 10)) {
            for (int round = 0; round < 5; round++) {
                Predictor p = Predictor.of(model, Normalization.none(64), Predictor.Options.defaults().withSlots(2));
                int threads = 4;
                java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(threads);
                java.util.concurrent.atomic.AtomicReference<Throwable> unexpected = new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
                Thread[] workers = new Thread[threads];
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    workers[t] = new Thread(() -> {
                        float[] x = Nets.raw(id, 64);
                        float[] rows = new float[16 * 64];
                        float[] out = new float[10];
                        float[] batchOut = new float[160];
                        started.countDown();
                        try {
                            for (long k = 0; ; k++) {
                                if (k % 3 == 0) {
                                    p.predict(rows, 16, batchOut);
                                } else {
                                    p.predict(x, out);
                                }
                                calls.incrementAndGet();
                            }
                        } catch (IllegalStateException expected) {
                            // closed: the only way out
                        } catch (Throwable other) {
                            unexpected.set(other);
                        }
                    });
                    workers[t].start();
                }
                started.await();
                while (calls.get() < 200) {
                    Thread.onSpinWait();
                }
                p.close();
                for (Thread w : workers) {
                    w.join(10_000);
                    assertFalse(w.isAlive(), "every worker stops once the predictor is closed");
                }
                assertNull(unexpected.get(), () -> "unexpected " + unexpected.get());
            }
        }
    }

    @Test
    void warmUpChangesNoAnswerAndRefusesAClosedPredictor() {
        try (Arena arena = Arena.ofConfined(); Model model = Nets.mixed(arena, IN, Loss.SOFTMAX_CROSS_ENTROPY, 4)) {
            Normalization norm = Nets.perFeature(IN, 2);
            float[] in = Nets.raw(7, IN);
            float[] before = new float[4];
            float[] after = new float[4];
            Predictor predictor = Predictor.of(model, norm);
            predictor.predict(in, before);
            assertSame(predictor, predictor.warmUp());
            predictor.predict(in, after);
            assertArrayEquals(before, after, "warming up leaves no state behind");
            predictor.close();
            assertThrows(IllegalStateException.class, predictor::warmUp);
        }
    }
}

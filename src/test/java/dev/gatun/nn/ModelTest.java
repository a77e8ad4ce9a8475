package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelTest {

    private static Model.Builder everyKind() {
        return Model.builder(4).dense(5, Activation.RELU).batchNorm().dropout(0.7).dense(3, Activation.TANH)
                .output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(11);
    }

    private static List<String> names(List<Parameter> parameters) {
        return parameters.stream().map(Parameter::name).toList();
    }

    /** A layer too large for the machine is named: the JDK's own "Unable to allocate N bytes" named none. */
    @Test
    void a_layer_that_cannot_be_allocated_is_named() {
        Arena full = new Arena() {
            @Override
            public java.lang.foreign.MemorySegment allocate(long byteSize, long byteAlignment) {
                throw new OutOfMemoryError("Unable to allocate " + byteSize + " bytes");
            }

            @Override
            public java.lang.foreign.MemorySegment.Scope scope() {
                return Arena.global().scope();
            }

            @Override
            public void close() {}
        };
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class,
                () -> Model.builder(40_000).dense(40_000, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY)
                        .build(full));
        assertEquals("Model.build: layer 1's weights (40000 x 40000 F32, 6.40 GB) do not fit in memory: Unable to"
                + " allocate 6400000000 bytes", e.getMessage());
    }

    @Test
    void parameters_and_state_carry_the_course_names_and_shapes() {
        try (Arena arena = Arena.ofConfined(); Model model = everyKind().build(arena)) {
            assertEquals(List.of("W1", "gamma1", "beta1", "W2", "b2", "W3", "b3"), names(model.parameters()));
            assertEquals(List.of(true, false, false, true, false, true, false),
                    model.parameters().stream().map(Parameter::regularized).toList());
            assertEquals("(5, 4)", model.parameters().get(0).value().shapeString());
            assertEquals("(2, 3)", model.parameters().get(5).value().shapeString());
            assertEquals(List.of("running_mean1", "running_var1"), model.state().stream().map(NamedTensor::name).toList());
            assertEquals(List.of("dense1", "batchnorm1", "dropout1", "dense2", "dense3"),
                    model.layers().stream().map(Layer::name).toList());
            assertNull(((Dense) model.layers().get(0)).bias(), "a layer followed by batch norm has no bias");
            assertEquals(1.0, model.parameters().get(1).value().get(2), "gamma starts at 1");
            assertEquals(1.0, model.state().get(1).tensor().get(0), "running variance starts at 1");
            assertEquals(0.0, model.parameters().get(4).value().get(0), "biases start at 0");
        }
    }

    @Test
    void builder_and_spec_reject_bad_architectures() {
        assertThrows(IllegalStateException.class, () -> Model.builder(3).dropout(0.5));
        assertThrows(IllegalStateException.class, () -> Model.builder(3).output(2, Loss.MSE).dense(3, Activation.RELU));
        assertThrows(IllegalStateException.class, () -> Model.builder(3).dense(3, Activation.RELU).spec());
        IllegalArgumentException keep = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(3).dense(3, Activation.RELU).dropout(0));
        assertTrue(keep.getMessage().contains("keepProb"), keep.getMessage());
        // 1e-7 kept 1.19e-7 of the units and scaled them by 1e7; below 2^-25 it kept none.
        keep = assertThrows(IllegalArgumentException.class, () -> Model.builder(3).dense(3, Activation.RELU).dropout(1e-7));
        assertTrue(keep.getMessage().contains("keepProb must be in [6.103515625E-5, 1]") && keep.getMessage().contains("1.0E-7"),
                keep.getMessage());
        Model.builder(3).dense(3, Activation.RELU).dropout(0x1p-14);   // the smallest accepted
        IllegalArgumentException lambda = assertThrows(IllegalArgumentException.class, () -> Regularization.l2(1e39));
        assertTrue(lambda.getMessage().contains("at most 3.4028235E38 (float32's largest), got 1.0E39"), lambda.getMessage());
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(3).output(1, Loss.SOFTMAX_CROSS_ENTROPY).spec());
        assertTrue(classes.getMessage().contains("at least 2 outputs"), classes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Model.builder(0).output(2, Loss.MSE).spec());
        assertThrows(IllegalArgumentException.class, () -> Model.builder(3).output(2, Loss.MSE).l2(-1));
    }

    @Test
    void spec_survives_its_text_form_and_names_a_bad_field() {
        ModelSpec spec = everyKind().l1(0.25).init(Init.GLOROT).spec();
        Map<String, String> map = spec.toMap();
        assertEquals(spec, ModelSpec.fromMap(map));
        assertEquals("5:RELU:0.7:bn,3:TANH:1.0:-", map.get("hidden"));
        assertEquals(List.of(4, 5, 3, 2), spec.widths());
        Map<String, String> broken = new HashMap<>(map);
        broken.put("loss", "HINGE");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(broken));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("HINGE"), e.getMessage());
        broken.remove("seed");
        broken.put("loss", "MSE");
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(broken));
        assertTrue(e.getMessage().contains("'seed' is missing"), e.getMessage());
    }

    @Test
    void the_seed_fixes_the_initial_weights_in_both_dtypes() {
        try (Arena arena = Arena.ofConfined();
             Model a = everyKind().build(arena);
             Model b = everyKind().build(arena);
             Model c = everyKind().seed(12).build(arena);
             Model d = everyKind().dtype(DType.F64).build(arena)) {
            for (int i = 0; i < a.parameters().size(); i++) {
                Tensor pa = a.parameters().get(i).value();
                assertEquals(-1, pa.segment().mismatch(b.parameters().get(i).value().segment()), "same seed, same " + i);
                for (long k = 0; k < pa.size(); k++) {
                    assertEquals((float) d.parameters().get(i).value().get(k), (float) pa.get(k), "F64 model rounds to the F32 one");
                }
            }
            assertNotEquals(-1, a.parameters().get(0).value().segment().mismatch(c.parameters().get(0).value().segment()));
        }
    }

    @Test
    void initializers_draw_with_the_documented_spread() {
        try (Arena arena = Arena.ofConfined()) {
            for (Init init : Init.values()) {
                Model model = Model.builder(500).dense(400, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY)
                        .init(init).seed(3).build(arena);
                Tensor W = model.parameters().getFirst().value();
                double sum = 0;
                double squares = 0;
                for (long k = 0; k < W.size(); k++) {
                    sum += W.get(k);
                    squares += W.get(k) * W.get(k);
                }
                double expected = init.std(500, 400);
                assertEquals(0, sum / W.size(), 0.01 * expected + 1e-12, init + " mean");
                assertEquals(expected, Math.sqrt(squares / W.size()), 0.01 * expected + 1e-12, init + " std");
                model.close();
            }
            assertEquals(Math.sqrt(2.0 / 500), Init.HE.std(500, 400), 1e-15);
            assertEquals(Math.sqrt(1.0 / 500), Init.XAVIER.std(500, 400), 1e-15);
            assertEquals(Math.sqrt(2.0 / 900), Init.GLOROT.std(500, 400), 1e-15);
            assertEquals(0.01, Init.RANDOM_SMALL.std(500, 400));
        }
    }

    @Test
    void dropout_masks_follow_seed_and_step_and_vanish_at_inference() {
        try (Arena arena = Arena.ofConfined();
             Model a = everyKind().build(arena);
             Model b = everyKind().build(arena);
             Model noDropout = Model.builder(4).dense(5, Activation.RELU).batchNorm().dense(3, Activation.TANH)
                     .output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(11).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 16, 4);
            Targets y = TestData.labels(arena, 2, 16, 2);
            for (int step = 0; step < 3; step++) {
                assertEquals(a.computeGradients(X, y), b.computeGradients(X, y), "same seed, same cost");
                for (int i = 0; i < a.parameters().size(); i++) {
                    assertEquals(-1, a.parameters().get(i).grad().segment().mismatch(b.parameters().get(i).grad().segment()),
                            "step " + step + ": gradients of " + a.parameters().get(i).name() + " bitwise equal");
                }
            }
            float[] train1 = a.forward(X, Mode.TRAIN).toFloatArray();
            assertArrayEquals(train1, a.forward(X, Mode.TRAIN).toFloatArray(), "a forward pass does not advance the masks");
            a.setStep(a.step() + 1);
            assertFalse(java.util.Arrays.equals(train1, a.forward(X, Mode.TRAIN).toFloatArray()), "the next step draws new masks");
            noDropout.copyFrom(a);
            assertArrayEquals(noDropout.forward(X, Mode.INFERENCE).toFloatArray(), a.forward(X, Mode.INFERENCE).toFloatArray(),
                    "inference ignores dropout");
        }
    }

    @Test
    void batch_norm_running_statistics_follow_the_batch_and_serve_inference() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(3).dense(4, Activation.IDENTITY).batchNorm().output(2, Loss.SOFTMAX_CROSS_ENTROPY)
                     .seed(5).dtype(DType.F64).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 9, 32, 3);
            Targets y = TestData.labels(arena, 10, 32, 2);
            for (int s = 0; s < 200; s++) {
                model.computeGradients(X, y); // no update: the batch stays the same, so the EWMA converges to it
            }
            Tensor W1 = model.parameters().getFirst().value();
            for (int j = 0; j < 4; j++) {
                double mean = 0;
                double squares = 0;
                for (int i = 0; i < 32; i++) {
                    double z = 0;
                    for (int k = 0; k < 3; k++) {
                        z += X.get(i, k) * W1.get(j, k);
                    }
                    mean += z / 32;
                    squares += z * z / 32;
                }
                assertEquals(mean, model.state().get(0).tensor().get(j), 1e-8, "running mean " + j);
                assertEquals(squares - mean * mean, model.state().get(1).tensor().get(j), 1e-8, "running variance " + j);
            }
            double[] train = model.forward(X, Mode.TRAIN).toDoubleArray();
            double[] inference = model.forward(X, Mode.INFERENCE).toDoubleArray();
            assertArrayEquals(train, inference, 1e-9, "running statistics equal to the batch's give the same outputs");
        }
    }

    @Test
    void bad_inputs_and_targets_are_clear_exceptions() {
        Arena arena = Arena.ofConfined();
        Model model = Model.builder(4).dense(3, Activation.RELU).output(3, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
        Tensor X = TestData.gaussian(arena, DType.F32, 1, 5, 4);
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> model.forward(TestData.gaussian(arena, DType.F32, 1, 5, 6), Mode.INFERENCE));
        assertTrue(width.getMessage().contains("(5, 6)") && width.getMessage().contains("(m, 4)"), width.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.forward(TestData.gaussian(arena, DType.F64, 1, 5, 4), Mode.TRAIN));
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> model.computeGradients(X, Targets.labels(arena, 0, 1, 2, 3, 0)));
        assertTrue(label.getMessage().contains("label 3 at row 3 is outside [0, 3)"), label.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.cost(X, Targets.labels(arena, 0, -1, 2, 1, 0), Mode.TRAIN));
        assertThrows(IllegalArgumentException.class, () -> model.countCorrect(X, Targets.labels(arena, 0, 1, 7, 1, 0)));
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> model.computeGradients(X, Targets.labels(arena, 0, 1)));
        assertTrue(few.getMessage().contains("2 labels for a batch of 5 rows"), few.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.computeGradients(X, Targets.dense(TestData.gaussian(arena, DType.F32, 1, 5, 3))));
        try (Model mse = Model.builder(4).output(2, Loss.MSE).build(arena);
             Model bce = Model.builder(4).output(1, Loss.BINARY_CROSS_ENTROPY).build(arena)) {
            assertThrows(IllegalArgumentException.class, () -> mse.computeGradients(X, Targets.labels(arena, 0, 1, 0, 1, 0)));
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> mse.computeGradients(X, Targets.dense(TestData.gaussian(arena, DType.F32, 1, 5, 3))));
            assertTrue(shape.getMessage().contains("(5, 3)") && shape.getMessage().contains("(5, 2)"), shape.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> mse.countCorrect(X, Targets.dense(TestData.gaussian(arena, DType.F32, 1, 5, 2))));
            IllegalArgumentException binary = assertThrows(IllegalArgumentException.class,
                    () -> bce.computeGradients(X, Targets.labels(arena, 0, 1, 2, 1, 0)));
            assertTrue(binary.getMessage().contains("label 2 at row 2 is outside [0, 2)"), binary.getMessage());
            // Dense targets for binary cross-entropy are probabilities: unscaled 0..255 values are refused.
            Tensor unscaled = Tensor.allocate(arena, DType.F32, 5, 1);
            unscaled.set(3, 255);
            IllegalArgumentException scale = assertThrows(IllegalArgumentException.class,
                    () -> bce.computeGradients(X, Targets.dense(unscaled)));
            assertTrue(scale.getMessage().contains("target 255.0 at row 3, output 0 is not a probability in [0, 1]"),
                    scale.getMessage());
            unscaled.set(3, Double.NaN);
            assertThrows(IllegalArgumentException.class, () -> bce.cost(X, Targets.dense(unscaled), Mode.TRAIN));
            unscaled.set(3, 1);
            assertTrue(Double.isFinite(bce.cost(X, Targets.dense(unscaled), Mode.TRAIN)));
            // A regression's NaN target made the cost NaN, reported later as a divergence: refused by name.
            Tensor values = TestData.gaussian(arena, DType.F32, 1, 5, 2);
            values.set(7, Double.NEGATIVE_INFINITY);
            IllegalArgumentException nanTarget = assertThrows(IllegalArgumentException.class,
                    () -> mse.computeGradients(X, Targets.dense(values)));
            assertEquals("MSE: target -Infinity at row 3, output 1 is not a finite number", nanTarget.getMessage());
        }
        model.close();
        assertThrows(IllegalStateException.class, () -> model.forward(X, Mode.INFERENCE));
        Model open = Model.builder(4).output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
        arena.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> open.forward(X, Mode.INFERENCE));
        assertTrue(closed.getMessage().contains("already closed"), closed.getMessage());
    }

    @Test
    void outputs_are_probabilities_or_values() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 6, 4);
            try (Model softmax = Model.builder(4).dense(8, Activation.TANH).output(5, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
                Tensor P = softmax.forward(X, Mode.INFERENCE);
                for (int i = 0; i < 6; i++) {
                    double sum = 0;
                    for (int j = 0; j < 5; j++) {
                        sum += P.get(i, j);
                    }
                    assertEquals(1.0, sum, 1e-6, "row " + i + " of softmax sums to 1");
                }
            }
            try (Model bce = Model.builder(4).output(3, Loss.BINARY_CROSS_ENTROPY).init(Init.HE).seed(2).build(arena);
                 Model mse = Model.builder(4).output(3, Loss.MSE).init(Init.HE).seed(2).build(arena)) {
                Tensor values = mse.forward(X, Mode.INFERENCE);
                Tensor p = bce.forward(X, Mode.INFERENCE);
                for (long k = 0; k < p.size(); k++) {
                    assertEquals(1 / (1 + Math.exp(-values.get(k))), p.get(k), 1e-6, "sigmoid of the same logits");
                }
            }
        }
    }

    @Test
    void several_batch_sizes_share_one_workspace() {
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(4).dense(6, Activation.RELU).output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 20, 4);
            float[] full = model.forward(X, Mode.INFERENCE).toFloatArray();
            for (int m = 1; m <= 20; m++) {
                float[] part = model.forward(X.rowSlice(0, m), Mode.INFERENCE).toFloatArray();
                assertArrayEquals(java.util.Arrays.copyOf(full, 3 * m), part, 1e-6f, "first " + m + " rows");
            }
            assertArrayEquals(full, model.forward(X, Mode.INFERENCE).toFloatArray(), "after evicting old batch sizes");
        }
    }

    @Test
    void threads_with_their_own_workspaces_infer_exactly_like_one() throws Exception {
        try (Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).batchNorm().dense(8, Activation.SIGMOID)
                     .output(4, Loss.SOFTMAX_CROSS_ENTROPY).seed(4).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 32, 8);
            float[] expected = model.forward(X, Mode.INFERENCE).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(pool.submit(() -> {
                        Workspace ws = model.newWorkspace();
                        boolean same = true;
                        for (int r = 0; r < 200; r++) {
                            same &= java.util.Arrays.equals(expected, model.forward(X, Mode.INFERENCE, ws).toFloatArray());
                        }
                        return same;
                    }));
                }
                for (Future<Boolean> result : results) {
                    assertTrue(result.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void copy_converts_between_dtypes_and_refuses_other_architectures() {
        try (Arena arena = Arena.ofConfined();
             Model f32 = everyKind().seed(1).build(arena);
             Model f64 = everyKind().seed(2).dtype(DType.F64).build(arena);
             Model other = Model.builder(4).dense(6, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            f32.setStep(17);
            f64.copyFrom(f32);
            for (int i = 0; i < f32.parameters().size(); i++) {
                Tensor from = f32.parameters().get(i).value();
                for (long k = 0; k < from.size(); k++) {
                    assertEquals(from.get(k), f64.parameters().get(i).value().get(k));
                }
            }
            assertEquals(17, f64.step());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.copyFrom(f32));
            assertTrue(e.getMessage().contains("[4, 5, 3, 2]") && e.getMessage().contains("[4, 6, 2]"), e.getMessage());
        }
    }

    /**
     * Allocation is measured with the thread's allocated-bytes counter (not time) in rounds, until the JIT has
     * compiled the kernels; a steady-state step must then allocate nothing.
     */
    @Test
    void steady_state_passes_allocate_nothing_on_the_heap() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(12).dense(20, Activation.RELU).batchNorm().dropout(0.7).dense(12, Activation.TANH)
                     .output(10, Loss.SOFTMAX_CROSS_ENTROPY).l2(0.01).build(arena);
             Model bce = Model.builder(12).dense(9, Activation.SIGMOID).output(1, Loss.BINARY_CROSS_ENTROPY).l1(0.1).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F32, 1, 40, 12);
            Targets y = TestData.labels(arena, 2, 40, 2);
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 1000 && best > 0; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    model.computeGradients(X, y);
                    model.forward(X, Mode.INFERENCE);
                    model.countCorrect(X, y);
                    bce.computeGradients(X, y);
                }
                best = Math.min(best, (threads.getCurrentThreadAllocatedBytes() - before) / 200);
            }
            assertEquals(0, best, "bytes allocated per training step in the best round");
        }
    }

    /**
     * The penalty of a short last batch is the batch size's: with λ = 0.5 over a 1-row batch of a batch size of 100,
     * {@code dW} carries {@code (λ/100)·W}, and the cost {@code (λ/200)·Σ‖W‖²}, not a hundred times that.
     */
    @Test
    void the_penalty_is_scaled_by_the_rows_given_not_the_batch_rows() {
        double lambda = 0.5;
        try (Arena arena = Arena.ofConfined();
             Model penalised = Model.builder(6).dense(5, Activation.TANH).output(3, Loss.SOFTMAX_CROSS_ENTROPY)
                     .l2(lambda).dtype(DType.F64).build(arena);
             Model plain = Model.builder(6).dense(5, Activation.TANH).output(3, Loss.SOFTMAX_CROSS_ENTROPY)
                     .dtype(DType.F64).build(arena)) {
            Tensor X = TestData.gaussian(arena, DType.F64, 3, 1, 6);
            Targets y = TestData.labels(arena, 4, 1, 3);
            double dataCost = plain.computeGradients(X, y);
            double cost = penalised.computeGradients(X, y, 100);
            double squares = 0;
            for (int p = 0; p < penalised.parameters().size(); p++) {
                Parameter withPenalty = penalised.parameters().get(p);
                Parameter without = plain.parameters().get(p);
                for (long k = 0; k < withPenalty.value().size(); k++) {
                    double w = withPenalty.value().get(k);
                    double extra = withPenalty.regularized() ? lambda / 100 * w : 0;
                    squares += withPenalty.regularized() ? w * w : 0;
                    assertEquals(without.grad().get(k) + extra, withPenalty.grad().get(k), 1e-12,
                            withPenalty.name() + " element " + k);
                }
            }
            assertEquals(dataCost + lambda / 200 * squares, cost, 1e-12);
            assertThrows(IllegalArgumentException.class, () -> penalised.computeGradients(X, y, 0));
        }
    }
}

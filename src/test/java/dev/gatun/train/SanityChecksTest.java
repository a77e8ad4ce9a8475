package dev.gatun.train;

import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.activation.Activation;
import dev.gatun.nn.DecoratedModels;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.ZeroGradientLayer;
import dev.gatun.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SanityChecksTest {
    @TempDir
    static Path dir;

    private static MnistDirectory data;

    @BeforeAll
    static void data() throws IOException {
        data = LearnableData.load(LearnableData.write(dir, 600, 10, 1, false));
    }

    static ModelSpec network() {
        return Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU).dense(16, Activation.RELU)
                .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(3).spec();
    }

    /** Float features are left as they are by default, as the trainer leaves them: 1/255 was for pixels only. */
    @Test
    void the_default_normalisation_is_the_trainers() {
        assertEquals(Normalization.Mode.SCALE_TO_UNIT,
                SanityChecks.builder(network(), data.train()).build().normalization().mode(), "pixels");
        try (Table table = LearnableData.floatTable(60)) {
            assertEquals(Normalization.Mode.NONE,
                    SanityChecks.builder(network(), table.dataSet()).build().normalization().mode(), "float features");
        }
    }

    @Test
    void a_healthy_network_passes_all_four_with_the_values_they_were_held_to() {
        SanityReport report = SanityChecks.builder(network(), data.train()).build().run();
        report.checks().forEach(c -> System.out.println(c.name() + " | " + (c.passed() ? "PASS" : "FAIL") + " | "
                + c.measured() + " | " + c.expected()));
        assertEquals(4, report.checks().size());
        assertTrue(report.passed(), report.toString());

        Map<String, Double> initial = report.checks().get(0).values();
        assertEquals(Math.log(4), initial.get("ln_c"), 1e-15);
        assertEquals(Math.log(4), initial.get("loss"), 0.2 * Math.log(4), "4 classes, regularisation off");

        Map<String, Double> l2 = report.checks().get(1).values();
        double lambda = l2.get("lambda");
        assertEquals(Math.rint(Math.log10(lambda)), Math.log10(lambda), 1e-12, "a power of ten: " + lambda);
        assertTrue(l2.get("penalty") >= Math.log(4) && l2.get("penalty") < 10 * Math.log(4), l2.toString());
        assertEquals(l2.get("penalty"), l2.get("loss") - initial.get("loss"), 1e-4 * l2.get("penalty"));

        Map<String, Double> overfit = report.checks().get(2).values();
        assertEquals(1.0, overfit.get("accuracy"));
        assertTrue(overfit.get("loss") < Math.log(4), overfit.toString());
        assertEquals(overfit.get("first_perfect_epoch"), overfit.get("epochs"), "stops at the first perfect epoch");
        assertTrue(overfit.get("first_perfect_epoch") >= 1 && overfit.get("first_perfect_epoch") <= 200, overfit.toString());

        Map<String, Double> sweep = report.checks().get(3).values();
        assertTrue(Math.abs(sweep.get("change_at_1e-06")) < 0.01, sweep.toString());
        assertTrue(Double.isNaN(sweep.get("change_at_10")), "10 explodes: " + sweep);
        assertTrue(report.usableRateLow() >= 1e-5 && report.usableRateLow() <= report.usableRateHigh()
                && report.usableRateHigh() <= 1, report.toString());
        assertTrue(sweep.get("change_at_" + SanityChecks.rate(report.usableRateLow())) <= -0.10, sweep.toString());
    }

    @Test
    void a_network_with_zero_gradients_fails_the_overfit_and_the_sweep() {
        SanityReport report = SanityChecks.builder(network(), data.train())
                .models((spec, arena) -> DecoratedModels.build(spec, DType.F32, arena, ZeroGradientLayer::wrap))
                .build().run();
        List<SanityCheck> checks = report.checks();
        assertFalse(report.passed());
        assertTrue(checks.get(0).passed(), "the forward pass is intact: " + checks.get(0));
        assertTrue(checks.get(1).passed(), "the L2 term is intact: " + checks.get(1));
        assertFalse(checks.get(2).passed(), checks.get(2).toString());
        assertFalse(checks.get(3).passed(), checks.get(3).toString());

        // Nothing learns: the 20 samples stay at chance (5 per class, a constant prediction gets 25%) ...
        Map<String, Double> overfit = checks.get(2).values();
        assertTrue(overfit.get("accuracy") <= 0.5, overfit.toString());
        assertEquals(0.0, overfit.get("first_perfect_epoch"));
        // ... and no rate moves the loss (beyond the last-ulp differences of Math.exp between the interpreter and
        // compiled code), so no range is usable.
        checks.get(3).values().forEach((name, value) -> {
            if (name.startsWith("change_at_")) {
                assertEquals(0.0, value, 1e-7, name);
            }
        });
        assertTrue(Double.isNaN(report.usableRateLow()) && Double.isNaN(report.usableRateHigh()));
        assertTrue(checks.get(3).measured().endsWith("usable none"), checks.get(3).measured());
    }

    /**
     * Batch norm's running statistics move with every step whatever the rate: the sweep measures the loss with the
     * subset's own statistics, so that the smallest rate barely moves a healthy batch-norm network either.
     */
    @Test
    void the_sweep_holds_a_batch_norm_network_to_the_same_marks() {
        ModelSpec withBatchNorm = Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU).batchNorm()
                .dense(16, Activation.RELU).batchNorm().output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                .init(Init.HE).seed(3).spec();
        SanityCheck sweep = SanityChecks.builder(withBatchNorm, data.train()).build().run().checks().get(3);
        double smallest = sweep.values().get("change_at_1e-06");
        assertTrue(Math.abs(smallest) < 0.01, "the smallest rate moved the loss by " + smallest + ": " + sweep);
        assertTrue(sweep.passed(), sweep.toString());
    }

    @Test
    void zero_initialisation_fails_check_2_and_still_reports_every_check() {
        ModelSpec zeros = Model.builder(LearnableData.FEATURES).dense(32, Activation.RELU).dense(16, Activation.RELU)
                .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.ZEROS).seed(3).spec();
        SanityReport report = SanityChecks.builder(zeros, data.train()).build().run();
        List<SanityCheck> checks = report.checks();
        assertEquals(4, checks.size(), checks.toString());
        assertFalse(report.passed());
        // All-zero weights predict 1/C for every class: exactly ln C.
        assertEquals(Math.log(LearnableData.CLASSES), checks.get(0).values().get("loss"), 1e-6);
        assertFalse(checks.get(1).passed(), checks.get(1).toString());
        assertEquals(0.0, checks.get(1).values().get("weight_squares"));
        assertTrue(checks.get(1).measured().contains("zero initialisation"), checks.get(1).measured());
    }

    @Test
    void a_built_run_keeps_its_configuration_when_the_builder_or_the_rates_change_afterwards() {
        double[] rates = {1e-4, 1e-2};
        SanityChecks.Builder builder = SanityChecks.builder(network(), data.train()).initialSamples(40)
                .overfit(8, 3, 1e-2).sweep(rates, 40, 20, 4);
        SanityChecks checks = builder.build();
        builder.initialSamples(80).overfit(12, 7, 1e-3).sweep(new double[] {1e-6, 1e-5, 1e-4}, 80, 40, 8);
        rates[0] = 5e-3;
        SanityReport report = checks.run();
        assertTrue(report.checks().get(0).measured().endsWith("on 40 samples"), report.checks().get(0).measured());
        assertTrue(report.checks().get(2).expected().contains("within 3 epochs"), report.checks().get(2).expected());
        assertEquals("overfit 8 samples", report.checks().get(2).name());
        Map<String, Double> sweep = report.checks().get(3).values();
        assertTrue(sweep.containsKey("change_at_1e-04") && sweep.containsKey("change_at_0.01")
                && sweep.keySet().stream().filter(k -> k.startsWith("change_at_")).count() == 2, sweep.toString());
        assertTrue(report.checks().get(3).expected().contains("after 4 sgd steps (batch 20, 40 samples)"),
                report.checks().get(3).expected());
    }

    @Test
    void rejects_data_that_does_not_fit_and_regression_outputs() {
        ModelSpec wide = Model.builder(10).output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).spec();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SanityChecks.builder(wide, data.train()).build());
        assertTrue(e.getMessage().contains("64 features") && e.getMessage().contains("takes 10"), e.getMessage());
        ModelSpec mse = Model.builder(LearnableData.FEATURES).output(LearnableData.CLASSES, Loss.MSE).spec();
        assertThrows(IllegalArgumentException.class, () -> SanityChecks.builder(mse, data.train()).build());
        assertThrows(IllegalArgumentException.class, () -> SanityChecks.builder(network(), data.train())
                .sweep(new double[] {1e-3, 1e-4}, 100, 10, 10).build());
        // Finite in double, infinite as the optimizers' float32: it failed the sweep after three checks had run.
        e = assertThrows(IllegalArgumentException.class, () -> SanityChecks.builder(network(), data.train())
                .sweep(new double[] {1e-3, 1e39}, 100, 10, 10).build());
        assertTrue(e.getMessage().startsWith("sweep rates must be > 0, finite in float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SanityChecks.builder(network(), data.train())
                .overfit(8, 3, 1e39).build());
        assertTrue(e.getMessage().startsWith("overfit learning rate must be > 0 and finite in float32"), e.getMessage());
    }

    @Test
    void short_rate_text() {
        assertEquals("1e-06", SanityChecks.rate(1e-6));
        assertEquals("3.5e-05", SanityChecks.rate(3.5e-5));
        assertEquals("0.001", SanityChecks.rate(1e-3));
        assertEquals("0.1", SanityChecks.rate(0.1));
        assertEquals("10", SanityChecks.rate(10));
        assertEquals("1e+04", SanityChecks.rate(1e4));
    }
}

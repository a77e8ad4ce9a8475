package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Test support: small models with every tensor set to seeded random values, and the normalisations to go with them. */
final class OnnxNets {
    static final int INPUTS = 12;

    private OnnxNets() {}

    /** One model to try: its hidden activation, batch norm or not, output, normalisation and seed. */
    record Case(Activation activation, boolean batchNorm, Loss loss, int outputs, Normalization.Mode mode, long seed) {
        @Override
        public String toString() {
            return activation + (batchNorm ? " + batch norm" : "") + ", " + loss + " x" + outputs + ", " + mode;
        }
    }

    /**
     * Every hidden activation with and without batch norm, every normalisation mode, every output function (softmax,
     * one and several sigmoids, linear).
     */
    static List<Case> everyCase() {
        List<Case> cases = new ArrayList<>();
        long seed = 1;
        for (Activation activation : Activation.values()) {
            for (boolean batchNorm : new boolean[] {false, true}) {
                cases.add(new Case(activation, batchNorm, Loss.SOFTMAX_CROSS_ENTROPY, 5, Normalization.Mode.SCALE_TO_UNIT, seed++));
            }
        }
        for (Normalization.Mode mode : Normalization.Mode.values()) {
            cases.add(new Case(Activation.TANH, true, Loss.SOFTMAX_CROSS_ENTROPY, 4, mode, seed++));
        }
        cases.add(new Case(Activation.RELU, true, Loss.BINARY_CROSS_ENTROPY, 1, Normalization.Mode.STANDARDIZE_GLOBAL, seed++));
        cases.add(new Case(Activation.SIGMOID, false, Loss.BINARY_CROSS_ENTROPY, 3, Normalization.Mode.NONE, seed++));
        cases.add(new Case(Activation.LEAKY_RELU, true, Loss.MSE, 2, Normalization.Mode.STANDARDIZE_PER_FEATURE, seed++));
        return cases;
    }

    /**
     * How far two float32 engines may differ on an output: 1e-5, relative for outputs above 1 in magnitude (a
     * linear output of 37 carries float32 rounding of 4e-6 per operation).
     */
    static double tolerance(double expected) {
        return 1e-5 * Math.max(1, Math.abs(expected));
    }

    /** The case's model in {@code arena}. */
    static Model model(Arena arena, Case c) {
        return model(arena, c.activation(), c.batchNorm(), c.loss(), c.outputs(), c.seed());
    }

    /**
     * INPUTS → 10 → 7 → outputs, both hidden layers with {@code activation}, the second with batch norm when asked
     * (and dropout, which inference drops); weights, biases, γ, β and running statistics random, the variances away
     * from 1 so that batch norm changes the result.
     */
    static Model model(Arena arena, Activation activation, boolean batchNorm, Loss loss, int outputs, long seed) {
        Model.Builder b = Model.builder(INPUTS).dense(10, activation).dense(7, activation);
        if (batchNorm) {
            b.batchNorm().dropout(0.8);
        }
        Model model = b.output(outputs, loss).seed(seed).build(arena);
        SplittableRandom random = new SplittableRandom(seed);
        for (Parameter p : model.parameters()) {
            fill(p.value(), random, p.name().startsWith("gamma") ? 0.5 : -0.8, p.name().startsWith("gamma") ? 1.5 : 0.8);
        }
        for (NamedTensor s : model.state()) {
            boolean variance = s.name().startsWith("running_var");
            fill(s.tensor(), random, variance ? 0.05 : -1, variance ? 3 : 1);
        }
        return model;
    }

    /** Every mode, the standardising ones with statistics of their own (per feature: one mean and std each). */
    static Normalization normalization(Normalization.Mode mode) {
        return switch (mode) {
            case NONE -> Normalization.none(INPUTS);
            case SCALE_TO_UNIT -> Normalization.scaleToUnit(INPUTS);
            case STANDARDIZE_GLOBAL -> Normalization.of(mode, INPUTS, new float[] {97.5f}, new float[] {61.25f});
            case STANDARDIZE_PER_FEATURE -> {
                float[] mean = new float[INPUTS];
                float[] std = new float[INPUTS];
                for (int j = 0; j < INPUTS; j++) {
                    mean[j] = 10f * j + 3.5f;
                    std[j] = 20f + 7f * j;
                }
                yield Normalization.of(mode, INPUTS, mean, std);
            }
        };
    }

    /** m rows of raw features in [0, 255), row after row. */
    static float[] rows(int m, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] rows = new float[m * INPUTS];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextDouble(0, 255);
        }
        return rows;
    }

    private static void fill(Tensor t, SplittableRandom random, double from, double to) {
        for (long i = 0; i < t.size(); i++) {
            t.set(i, random.nextDouble(from, to));
        }
    }
}

package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Test support: small models with every tensor set to seeded random values, and the normalisations to go with them. */
final class OnnxNets {
    static final int INPUTS = 12;

    private OnnxNets() {}

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

package dev.gatun.serve;

import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Targets;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Small models for the serve tests, and the independent reference: a naive double-precision forward pass. */
final class Nets {
    private Nets() {}

    /** Every activation, batch norm (with moved running statistics) and dropout, trained for a few steps. */
    static Model mixed(Arena arena, int inputs, Loss loss, int outputs) {
        Model model = Model.builder(inputs).dense(13, Activation.RELU).batchNorm().dropout(0.7)
                .dense(9, Activation.TANH).dense(7, Activation.LEAKY_RELU).batchNorm().dense(5, Activation.SIGMOID)
                .output(outputs, loss).seed(17).build(arena);
        Tensor X = gaussian(arena, 3, 16, inputs);
        SplittableRandom random = new SplittableRandom(4);
        Targets y;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            int[] labels = new int[16];
            for (int i = 0; i < 16; i++) {
                labels[i] = random.nextInt(outputs);
            }
            y = Targets.labels(arena, labels);
        } else {
            Tensor t = Tensor.allocate(arena, DType.F32, 16, outputs);
            for (long k = 0; k < t.size(); k++) {
                t.set(k, random.nextInt(2));
            }
            y = Targets.dense(t);
        }
        try (Optimizer adam = Optimizer.adam(0.05)) {
            for (int s = 0; s < 5; s++) {
                model.computeGradients(X, y);
                adam.step(model.parameters());
            }
        }
        return model;
    }

    /** A plain ReLU MLP with He weights. */
    static Model mlp(Arena arena, long seed, int... widths) {
        Model.Builder b = Model.builder(widths[0]);
        for (int l = 1; l < widths.length - 1; l++) {
            b.dense(widths[l], Activation.RELU);
        }
        return b.output(widths[widths.length - 1], Loss.SOFTMAX_CROSS_ENTROPY).seed(seed).build(arena);
    }

    static Normalization perFeature(int features, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] mean = new float[features];
        float[] std = new float[features];
        for (int j = 0; j < features; j++) {
            mean[j] = (float) (100 * random.nextDouble());
            std[j] = 20f + (float) (50 * random.nextDouble());
        }
        return Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, features, mean, std);
    }

    static Tensor gaussian(Arena arena, long seed, long rows, long cols) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.allocate(arena, DType.F32, rows, cols);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextGaussian());
        }
        return t;
    }

    /** Raw inputs in the units the normalisation expects (0..255, like pixels). */
    static float[] raw(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = (float) (255 * random.nextDouble());
        }
        return x;
    }

    /** The model's INFERENCE output for one raw row, in double, from the parameter values and the course formulas. */
    static double[] reference(Model model, Normalization norm, float[] raw) {
        Map<String, Tensor> t = new HashMap<>();
        for (Parameter p : model.parameters()) {
            t.put(p.name(), p.value());
        }
        for (NamedTensor s : model.state()) {
            t.put(s.name(), s.tensor());
        }
        float[] mean = norm.mean();
        float[] std = norm.std();
        double[] a = new double[raw.length];
        for (int j = 0; j < raw.length; j++) {
            a[j] = (raw[j] - mean[mean.length == 1 ? 0 : j]) / (double) std[std.length == 1 ? 0 : j];
        }
        int layer = 1;
        for (var h : model.spec().hidden()) {
            double[] z = affine(t.get("W" + layer), h.batchNorm() ? null : t.get("b" + layer), a);
            if (h.batchNorm()) {
                for (int j = 0; j < z.length; j++) {
                    z[j] = (z[j] - t.get("running_mean" + layer).get(j))
                            / Math.sqrt(t.get("running_var" + layer).get(j) + 1e-5)
                            * t.get("gamma" + layer).get(j) + t.get("beta" + layer).get(j);
                }
            }
            for (int j = 0; j < z.length; j++) {
                z[j] = h.activation().apply(z[j]);
            }
            a = z;
            layer++;
        }
        double[] z = affine(t.get("W" + layer), t.get("b" + layer), a);
        switch (model.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int j = 0; j < z.length; j++) {
                    z[j] = Math.exp(z[j] - max);
                    sum += z[j];
                }
                for (int j = 0; j < z.length; j++) {
                    z[j] /= sum;
                }
            }
            case BINARY_CROSS_ENTROPY -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = 1 / (1 + Math.exp(-z[j]));
                }
            }
            case MSE -> { }
        }
        return z;
    }

    private static double[] affine(Tensor W, Tensor b, double[] x) {
        double[] z = new double[(int) W.dim(0)];
        for (int i = 0; i < z.length; i++) {
            double sum = b == null ? 0 : b.get(i);
            for (int k = 0; k < x.length; k++) {
                sum += W.get(i, k) * x[k];
            }
            z[i] = sum;
        }
        return z;
    }
}

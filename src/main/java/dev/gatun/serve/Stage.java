package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.nn.BatchNorm;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One dense layer as inference sees it: {@code A = g(A_prev·Wᵀ + b)}, float32, W {@code (n_out, n_in)} in the
 * predictor's shared arena and b both off-heap (for the BLAS batch path) and on the heap (for the row kernel).
 *
 * <p>Batch norm is folded in: at inference it is the affine map {@code γ·(z − μ)/√(σ² + ε) + β} of fixed
 * running statistics, so with {@code s = γ/√(σ² + ε)} the layer becomes {@code W' = s ⊙ W} (row-wise),
 * {@code b' = β − μ·s} (computed in double, rounded once). Dropout does nothing at inference and disappears.
 */
record Stage(Tensor W, Tensor bias, float[] b, Activation g, MemorySegment panels, RowWeights rowWeights) {
    /** The dense kernel, held here so that {@link #row} calls it directly: one call level less above the Vector API. */
    private static final KernelProvider.Serving SERVING = KernelProvider.selected().serving();

    int inputs() {
        return (int) W.dim(1);
    }

    int outputs() {
        return (int) W.dim(0);
    }

    /** The model's layers as stages, copied (and converted to float32) into {@code arena}. */
    static List<Stage> compile(Model model, Arena arena, RowWeights rowWeights) {
        Map<String, Tensor> byName = model.tensorsByName();
        ModelSpec spec = model.spec();
        List<Stage> stages = new ArrayList<>();
        int index = 1;
        for (LayerSpec h : spec.hidden()) {
            Tensor W = byName.get("W" + index);
            double[] scale = new double[h.units()];
            double[] shift = new double[h.units()];
            for (int j = 0; j < h.units(); j++) {
                if (h.batchNorm()) {
                    double s = byName.get("gamma" + index).get(j)
                            / Math.sqrt(byName.get("running_var" + index).get(j) + BatchNorm.EPSILON);
                    scale[j] = s;
                    shift[j] = byName.get("beta" + index).get(j) - byName.get("running_mean" + index).get(j) * s;
                } else {
                    scale[j] = 1;
                    shift[j] = byName.get("b" + index).get(j);
                }
            }
            stages.add(stage(arena, index, W, scale, shift, h.activation(), rowWeights));
            index++;
        }
        double[] ones = new double[spec.outputs()];
        java.util.Arrays.fill(ones, 1);
        Tensor outputBias = byName.get("b" + index);
        double[] bias = new double[spec.outputs()];
        for (int j = 0; j < bias.length; j++) {
            bias[j] = outputBias.get(j);
        }
        stages.add(stage(arena, index, byName.get("W" + index), ones, bias, Activation.IDENTITY, rowWeights));
        return List.copyOf(stages);
    }

    /**
     * A predictor needs finite weights: the row kernel leaves out the terms of zero inputs, which is exact only when
     * no weight is infinite or NaN (0·∞ is NaN), and such a model's outputs would be NaN anyway.
     */
    private static IllegalArgumentException notFinite(int layer, String what, Object index, float value) {
        return new IllegalArgumentException("layer " + layer + "'s " + what + "[" + index + "] is " + value
                + ": a predictor needs finite parameters (a layer's batch norm is folded into its W and bias first)");
    }

    private static Stage stage(Arena arena, int layer, Tensor W, double[] rowScale, double[] b, Activation g,
                               RowWeights rowWeights) {
        long nOut = W.dim(0);
        long nIn = W.dim(1);
        Tensor w32 = Tensor.allocate(arena, DType.F32, nOut, nIn);
        for (long i = 0; i < nOut; i++) {
            double s = rowScale[(int) i];
            for (long k = 0; k < nIn; k++) {
                // s == 1 keeps a float32 weight's bits exactly (the product is exact in double).
                float w = (float) (W.get(i, k) * s);
                if (!Float.isFinite(w)) {
                    throw notFinite(layer, "W", i + ", " + k, w);
                }
                w32.set(i, k, w);
            }
        }
        float[] b32 = new float[b.length];
        for (int j = 0; j < b.length; j++) {
            b32[j] = (float) b[j];
            if (!Float.isFinite(b32[j])) {
                throw notFinite(layer, "bias", j, b32[j]);
            }
        }
        MemorySegment panels = RowPanels.pack(w32.segment(), (int) nOut, (int) nIn, rowWeights, arena);
        return new Stage(w32, Tensor.of(arena, b32, b32.length), b32, g, panels, rowWeights);
    }

    /**
     * The row kernel, {@code a = g(W·x + b)} for one input row; a holds {@link RowPanels#padded} outputs, nonzero is
     * scratch for {@link #inputs()} indices. The same bits either way; {@code descending} reads the panels last first
     * (see {@link KernelProvider.Serving#dense}, which also says why the weights must be finite).
     */
    void row(float[] x, int[] nonzero, float[] a, boolean descending) {
        if (rowWeights == RowWeights.FLOAT32) {
            SERVING.dense(panels, b, g, outputs(), inputs(), x, nonzero, a, descending);
        } else {
            SERVING.denseBfloat16(panels, b, g, outputs(), inputs(), x, nonzero, a, descending);
        }
    }

    long bytes() {
        return W.byteSize() + bias.byteSize() + panels.byteSize();
    }
}

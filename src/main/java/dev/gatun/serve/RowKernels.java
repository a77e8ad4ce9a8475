package dev.gatun.serve;

import dev.gatun.kernels.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarServing;

import java.lang.foreign.MemorySegment;

/**
 * The batch-1 inference kernels around the dense layers ({@link RowPanels}): the input normalisation
 * {@code x' = x·scale + shift}, the non-finite check, activations and the output softmax. The first two run on the
 * {@link KernelProvider#selected() selected} provider. Activations are heap {@code float[]}s of the calling thread's
 * context, the weights are read-only and shared.
 *
 * <p>Why not the cblas downcall for a row: at 784→256 a product is ~200k FMAs (a few µs), where a downcall's
 * fixed cost and OpenBLAS's small-size dispatch are a real share.
 */
final class RowKernels {
    private static final KernelProvider.Serving KERNELS = KernelProvider.selected().serving();

    private RowKernels() {}

    /**
     * g(z) in float. The piecewise-linear family as {@code z > 0 ? z : slope·z}, so a NaN stays NaN (the
     * PROPAGATE policy's promise) for every activation.
     */
    static float activate(Activation g, float z) {
        return ScalarServing.activate(g, z);
    }

    /** {@code out[j] = in[from + j]·scale[j] + shift[j]} for j < n (fused multiply-add, as data/ normalises). */
    static void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int n) {
        KERNELS.normalize(in, from, scale, shift, out, n);
    }

    /** As {@link #normalize(float[], int, float[], float[], float[], int)} from an off-heap row at byte offset {@code at}. */
    static void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int n) {
        KERNELS.normalize(in, at, scale, shift, out, n);
    }

    /** Heap row to off-heap row at byte offset {@code at}, normalising on the way (the batch path's input). */
    static void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        KERNELS.normalize(in, from, scale, shift, out, at, n);
    }

    /** Off-heap row to off-heap row, normalising on the way. */
    static void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        KERNELS.normalize(in, inAt, scale, shift, out, at, n);
    }

    /** Index of the first non-finite value among n, or −1: the REJECT policy's check. */
    static int firstNonFinite(float[] in, int from, int n) {
        return KERNELS.firstNonFinite(in, from, n);
    }

    /** As {@link #firstNonFinite(float[], int, int)} over n floats from byte offset {@code at}. */
    static long firstNonFinite(MemorySegment in, long at, long n) {
        return KERNELS.firstNonFinite(in, at, n);
    }

    /** {@code p = softmax(z)} over n values, max-shifted, summed in double; p may be z. */
    static void softmax(float[] z, float[] p, int n) {
        float max = z[0];
        for (int j = 1; j < n; j++) {
            max = Math.max(max, z[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(z[j] - max);
            p[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) {
            p[j] *= inv;
        }
    }
}

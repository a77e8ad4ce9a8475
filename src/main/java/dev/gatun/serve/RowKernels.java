package dev.gatun.serve;

import dev.gatun.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The batch-1 inference kernels around the dense layers ({@link RowPanels}): the input normalisation
 * {@code x' = x·scale + shift}, the non-finite check, activations, the output softmax, and the scalar twin of the
 * dense kernel. Activations are heap {@code float[]}s of the calling thread's context, the weights are read-only
 * and shared.
 *
 * <p>Why not the cblas downcall for a row: at 784→256 a product is ~200k FMAs (a few µs), where a downcall's
 * fixed cost and OpenBLAS's small-size dispatch are a real share.
 */
final class RowKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private RowKernels() {}

    /** The scalar twin of {@link RowPanels#dense}: one sequential fma chain per output, over W's rows. */
    static void denseScalar(MemorySegment W, float[] b, Activation g, int nOut, int nIn, float[] x, float[] a) {
        for (int i = 0; i < nOut; i++) {
            float sum = 0f;
            for (int k = 0; k < nIn; k++) {
                sum = Math.fma(W.getAtIndex(FLOAT, (long) i * nIn + k), x[k], sum);
            }
            a[i] = activate(g, sum + b[i]);
        }
    }

    /**
     * g(z) in float. The piecewise-linear family as {@code z > 0 ? z : slope·z}, so a NaN stays NaN (the
     * PROPAGATE policy's promise) for every activation.
     */
    static float activate(Activation g, float z) {
        return switch (g) {
            case IDENTITY -> z;
            case RELU -> z > 0f ? z : 0f * z;
            case LEAKY_RELU -> z > 0f ? z : (float) Activation.LEAKY_SLOPE * z;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-z)));
            case TANH -> (float) Math.tanh(z);
        };
    }

    /** {@code out[j] = in[from + j]·scale[j] + shift[j]} for j < n (fused multiply-add, as data/ normalises). */
    static void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int n) {
        int bound = n - n % LANES;
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(F, in, from + j).fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoArray(out, j);
        }
        for (; j < n; j++) {
            out[j] = Math.fma(in[from + j], scale[j], shift[j]);
        }
    }

    /** As {@link #normalize(float[], int, float[], float[], float[], int)} from an off-heap row at byte offset {@code at}. */
    static void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int n) {
        int bound = n - n % LANES;
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromMemorySegment(F, in, at + 4L * j, NATIVE)
                    .fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j)).intoArray(out, j);
        }
        for (; j < n; j++) {
            out[j] = Math.fma(in.get(FLOAT, at + 4L * j), scale[j], shift[j]);
        }
    }

    /** Heap row to off-heap row at byte offset {@code at}, normalising on the way (the batch path's input). */
    static void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        int bound = n - n % LANES;
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(F, in, from + j).fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoMemorySegment(out, at + 4L * j, NATIVE);
        }
        for (; j < n; j++) {
            out.set(FLOAT, at + 4L * j, Math.fma(in[from + j], scale[j], shift[j]));
        }
    }

    /** Off-heap row to off-heap row, normalising on the way. */
    static void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        int bound = n - n % LANES;
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector.fromMemorySegment(F, in, inAt + 4L * j, NATIVE)
                    .fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoMemorySegment(out, at + 4L * j, NATIVE);
        }
        for (; j < n; j++) {
            out.set(FLOAT, at + 4L * j, Math.fma(in.get(FLOAT, inAt + 4L * j), scale[j], shift[j]));
        }
    }

    /** Index of the first non-finite value among n, or −1: the REJECT policy's check, vectorised. */
    static int firstNonFinite(float[] in, int from, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            if (!FloatVector.fromArray(F, in, from + j).test(VectorOperators.IS_FINITE).allTrue()) {
                return scanNonFinite(in, from, j, j + LANES);
            }
        }
        return scanNonFinite(in, from, bound, n);
    }

    private static int scanNonFinite(float[] in, int from, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            if (!Float.isFinite(in[from + j])) {
                return j;
            }
        }
        return -1;
    }

    /** As {@link #firstNonFinite(float[], int, int)} over n floats from byte offset {@code at}. */
    static long firstNonFinite(MemorySegment in, long at, long n) {
        long bound = n - n % LANES;
        for (long j = 0; j < bound; j += LANES) {
            if (!FloatVector.fromMemorySegment(F, in, at + 4L * j, NATIVE).test(VectorOperators.IS_FINITE).allTrue()) {
                return scanNonFinite(in, at, j, j + LANES);
            }
        }
        return scanNonFinite(in, at, bound, n);
    }

    private static long scanNonFinite(MemorySegment in, long at, long j0, long j1) {
        for (long j = j0; j < j1; j++) {
            if (!Float.isFinite(in.get(FLOAT, at + 4L * j))) {
                return j;
            }
        }
        return -1;
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

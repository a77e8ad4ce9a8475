package dev.gatun.kernels.scalar;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The serving kernels one element at a time, in float with fused multiply-adds. */
public final class ScalarServing implements KernelProvider.Serving {
    /** Outputs per panel: any width works one output at a time; 16 is a vector's worth on most hardware. */
    private static final int PANEL = 16;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    ScalarServing() {}

    /**
     * g(z) in float. The piecewise-linear family as {@code z > 0 ? z : slope·z}, so a NaN stays NaN for every
     * activation (a serving policy that propagates non-finite inputs relies on it).
     */
    public static float activate(Activation g, float z) {
        return switch (g) {
            case IDENTITY -> z;
            case RELU -> z > 0f ? z : 0f * z;
            case LEAKY_RELU -> z > 0f ? z : (float) Activation.LEAKY_SLOPE * z;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-z)));
            case TANH -> (float) Math.tanh(z);
        };
    }

    @Override
    public void activate(Activation g, float[] z, float[] a, int n) {
        activate(g, z, a, 0, n);
    }

    /** {@code a[j] = g(z[j])} for j in [j0, n). */
    public static void activate(Activation g, float[] z, float[] a, int j0, int n) {
        for (int j = j0; j < n; j++) {
            a[j] = activate(g, z[j]);
        }
    }

    @Override
    public void softmax(float[] z, float[] p, int n) {
        rowSoftmax(z, p, n);
    }

    /** The body of {@link #softmax(float[], float[], int)}, run by the vector provider too: an output row is short. */
    public static void rowSoftmax(float[] z, float[] p, int n) {
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

    @Override
    public int panelOutputs() {
        return PANEL;
    }

    @Override
    public void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int n) {
        normalize(in, from, scale, shift, out, 0, n);
    }

    @Override
    public void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int n) {
        normalize(in, at, scale, shift, out, 0, n);
    }

    @Override
    public void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        normalize(in, from, scale, shift, out, at, 0, n);
    }

    @Override
    public void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        normalize(in, inAt, scale, shift, out, at, 0, n);
    }

    // Features [j0, n): the twins, and the vector bodies' tails.

    public static void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int j0, int n) {
        for (int j = j0; j < n; j++) {
            out[j] = Math.fma(in[from + j], scale[j], shift[j]);
        }
    }

    public static void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int j0, int n) {
        for (int j = j0; j < n; j++) {
            out[j] = Math.fma(in.get(FLOAT, at + 4L * j), scale[j], shift[j]);
        }
    }

    public static void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int j0,
                                 int n) {
        for (int j = j0; j < n; j++) {
            out.set(FLOAT, at + 4L * j, Math.fma(in[from + j], scale[j], shift[j]));
        }
    }

    public static void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at,
                                 int j0, int n) {
        for (int j = j0; j < n; j++) {
            out.set(FLOAT, at + 4L * j, Math.fma(in.get(FLOAT, inAt + 4L * j), scale[j], shift[j]));
        }
    }

    @Override
    public int firstNonFinite(float[] in, int from, int n) {
        return firstNonFinite(in, from, 0, n);
    }

    @Override
    public long firstNonFinite(MemorySegment in, long at, long n) {
        return firstNonFinite(in, at, 0, n);
    }

    /** The first j in [j0, j1) with a non-finite {@code in[from + j]}, or −1. */
    public static int firstNonFinite(float[] in, int from, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            if (!Float.isFinite(in[from + j])) {
                return j;
            }
        }
        return -1;
    }

    /** The first j in [j0, j1) whose float at byte {@code at + 4j} is not finite, or −1. */
    public static long firstNonFinite(MemorySegment in, long at, long j0, long j1) {
        for (long j = j0; j < j1; j++) {
            if (!Float.isFinite(in.get(FLOAT, at + 4L * j))) {
                return j;
            }
        }
        return -1;
    }

    /**
     * Writes the indices k < n with x[k] not zero (NaN counts as not zero) into {@code into}, in order, and returns
     * how many there are. Branch-free: whether a pixel or an activation is zero does not follow a pattern a branch
     * predictor learns.
     */
    public static int nonzero(float[] x, int n, int[] into) {
        int count = 0;
        for (int k = 0; k < n; k++) {
            into[count] = k;
            count += x[k] != 0f ? 1 : 0;
        }
        return count;
    }

    @Override
    public void dense(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero, float[] a,
                      boolean descending) {
        int count = nonzero(x, nIn, nonzero);
        for (int o = 0; o < nOut; o++) {
            int i = descending ? nOut - 1 - o : o;
            int s = i - i % PANEL;
            long first = (long) s * nIn + (i - s);
            float sum = 0f;
            for (int j = 0; j < count; j++) {
                int k = nonzero[j];
                sum = Math.fma(P.getAtIndex(FLOAT, first + (long) k * PANEL), x[k], sum);
            }
            a[i] = activate(g, sum + b[i]);
        }
    }

    @Override
    public void denseBfloat16(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero,
                              float[] a, boolean descending) {
        int count = nonzero(x, nIn, nonzero);
        int lanes = PANEL / 2;
        for (int o = 0; o < nOut; o++) {
            int i = descending ? nOut - 1 - o : o;
            int s = i - i % PANEL;
            int l = i - s;
            long first = (long) s * nIn + (l < lanes ? 2 * l : 2 * (l - lanes) + 1);
            float sum = 0f;
            for (int j = 0; j < count; j++) {
                int k = nonzero[j];
                float w = Float.intBitsToFloat(P.getAtIndex(HALF, first + (long) k * PANEL) << 16);
                sum = Math.fma(w, x[k], sum);
            }
            a[i] = activate(g, sum + b[i]);
        }
    }
}

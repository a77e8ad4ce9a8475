package dev.gatun.serve;

import dev.gatun.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * W {@code (n_out, n_in)} repacked for the batch-1 kernel {@code a = g(W·x + b)}, and that kernel.
 *
 * <p>Why a second copy of W: a matrix-vector product over W's rows needs a horizontal sum per output and
 * loads x once per four rows, which left the old row kernel at ~11 multiply-adds/ns even on L1-resident weights.
 * Packed in <em>panels</em>, the outputs become vector lanes: panel p holds outputs {@code [s, s + w)} as n_in
 * consecutive runs of w weights, {@code P[s·n_in + k·w + (i − s)] = W[i, k]}. The kernel keeps w/LANES
 * accumulators in registers, broadcasts x[k] and streams the panel front to back: one load per FMA, no
 * horizontal sums, and the hardware prefetcher sees one sequential stream. Full panels are {@link #WIDE} outputs
 * wide (8 accumulators); the rest is one or more {@link #NARROW} panels, zero-padded.
 *
 * <p>Each output is one fma chain in k order, {@code acc = fma(W[i,k], x[k], acc)} from 0, exactly as
 * {@link RowKernels#denseScalar}: the float32 kernel is bit-for-bit its scalar twin.
 *
 * <p>{@link RowWeights#BFLOAT16} stores the panels as bfloat16 (W rounded to nearest-even, halving the bytes the
 * kernel streams per call; arithmetic stays float32). Each int lane carries two outputs, low half and high half,
 * so one shift or one mask turns an int vector into a float vector of weights: the int lane l of a group of
 * 2·LANES outputs holds output l in its low 16 bits and output LANES + l in its high 16 bits.
 */
final class RowPanels {
    static final VectorSpecies<Float> F = RowKernels.F;
    static final int LANES = RowKernels.LANES;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int WIDE = 8 * LANES;
    static final int NARROW = 4 * LANES;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HIGH = 0xFFFF0000;

    private RowPanels() {}

    /** Outputs rounded up to whole panels: the length of an activation array the kernel writes into. */
    static int padded(int nOut) {
        int wide = nOut - nOut % WIDE;
        int rest = nOut - wide;
        return wide + (rest + NARROW - 1) / NARROW * NARROW;
    }

    /** W (read as float32 at {@code W[i·nIn + k]}) packed into a new segment of {@code arena}. */
    static MemorySegment pack(MemorySegment W, int nOut, int nIn, RowWeights format, Arena arena) {
        int outs = padded(nOut);
        long elements = (long) outs * nIn;
        if (format == RowWeights.FLOAT32) {
            MemorySegment P = arena.allocate(4 * elements, 64);
            for (int i = 0; i < nOut; i++) {
                int s = panelStart(i, nOut);
                int w = panelWidth(s, nOut);
                for (int k = 0; k < nIn; k++) {
                    P.setAtIndex(ValueLayout.JAVA_FLOAT, (long) s * nIn + (long) k * w + (i - s),
                            W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * nIn + k));
                }
            }
            return P;
        }
        MemorySegment P = arena.allocate(2 * elements, 64);
        for (int i = 0; i < nOut; i++) {
            int s = panelStart(i, nOut);
            int w = panelWidth(s, nOut);
            int j = i - s;
            int group = j / (2 * LANES);
            int l = j % (2 * LANES);
            int half = l < LANES ? 2 * l : 2 * (l - LANES) + 1;
            for (int k = 0; k < nIn; k++) {
                float weight = W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * nIn + k);
                P.setAtIndex(HALF, (long) s * nIn + (long) k * w + group * 2L * LANES + half,
                        toBfloat16(weight, i, k));
            }
        }
        return P;
    }

    private static int panelStart(int i, int nOut) {
        int wideEnd = nOut - nOut % WIDE;
        return i < wideEnd ? i - i % WIDE : wideEnd + (i - wideEnd) / NARROW * NARROW;
    }

    private static int panelWidth(int start, int nOut) {
        return nOut - nOut % WIDE > start ? WIDE : NARROW;
    }

    /** float32 → bfloat16 bits, rounded to nearest, ties to even; a finite weight that would overflow is refused. */
    static short toBfloat16(float value, int i, int k) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        if (Float.isInfinite(fromBfloat16((short) rounded)) && !Float.isInfinite(value)) {
            throw new IllegalArgumentException("weight W[" + i + ", " + k + "] = " + value
                    + " is beyond bfloat16's range (max 3.39e38): use RowWeights.FLOAT32");
        }
        return (short) rounded;
    }

    static float fromBfloat16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** {@code a[i] = g(Σ_k W[i,k]·x[k] + b[i])} for i < nOut over packed float32 panels; a holds padded(nOut). */
    static void dense(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, float[] a) {
        int wideEnd = nOut - nOut % WIDE;
        int s = 0;
        for (; s < wideEnd; s += WIDE) {
            wide(P, 4L * s * nIn, nIn, x, a, s);
        }
        for (; s < nOut; s += NARROW) {
            narrow(P, 4L * s * nIn, nIn, x, a, s);
        }
        finish(b, g, nOut, a);
    }

    /** As {@link #dense} over bfloat16 panels. */
    static void denseBfloat16(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, float[] a) {
        int wideEnd = nOut - nOut % WIDE;
        int s = 0;
        for (; s < wideEnd; s += WIDE) {
            wideBfloat16(P, 2L * s * nIn, nIn, x, a, s);
        }
        for (; s < nOut; s += NARROW) {
            narrowBfloat16(P, 2L * s * nIn, nIn, x, a, s);
        }
        finish(b, g, nOut, a);
    }

    /**
     * {@code a[i] = g(a[i] + b[i])}; vectorised for the piecewise-linear activations (what serving networks use),
     * with the same NaN rule as {@link RowKernels#activate}: {@code z > 0 ? z : slope·z}.
     */
    private static void finish(float[] b, Activation g, int nOut, float[] a) {
        int i = 0;
        if (g == Activation.RELU || g == Activation.LEAKY_RELU || g == Activation.IDENTITY) {
            float slope = g == Activation.RELU ? 0f : (float) Activation.LEAKY_SLOPE;
            boolean identity = g == Activation.IDENTITY;
            for (int bound = nOut - nOut % LANES; i < bound; i += LANES) {
                FloatVector z = FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i));
                if (!identity) {
                    z = z.mul(slope).blend(z, z.compare(VectorOperators.GT, 0f));
                }
                z.intoArray(a, i);
            }
        }
        for (; i < nOut; i++) {
            a[i] = RowKernels.activate(g, a[i] + b[i]);
        }
    }

    private static void wide(MemorySegment P, long at, int nIn, float[] x, float[] a, int s) {
        long step = 4L * WIDE;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = 0; k < nIn; k++) {
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long o = at + k * step;
            a0 = FloatVector.fromMemorySegment(F, P, o, NATIVE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, P, o + v, NATIVE).fma(xk, a1);
            a2 = FloatVector.fromMemorySegment(F, P, o + 2 * v, NATIVE).fma(xk, a2);
            a3 = FloatVector.fromMemorySegment(F, P, o + 3 * v, NATIVE).fma(xk, a3);
            a4 = FloatVector.fromMemorySegment(F, P, o + 4 * v, NATIVE).fma(xk, a4);
            a5 = FloatVector.fromMemorySegment(F, P, o + 5 * v, NATIVE).fma(xk, a5);
            a6 = FloatVector.fromMemorySegment(F, P, o + 6 * v, NATIVE).fma(xk, a6);
            a7 = FloatVector.fromMemorySegment(F, P, o + 7 * v, NATIVE).fma(xk, a7);
        }
        a0.intoArray(a, s);
        a1.intoArray(a, s + LANES);
        a2.intoArray(a, s + 2 * LANES);
        a3.intoArray(a, s + 3 * LANES);
        a4.intoArray(a, s + 4 * LANES);
        a5.intoArray(a, s + 5 * LANES);
        a6.intoArray(a, s + 6 * LANES);
        a7.intoArray(a, s + 7 * LANES);
    }

    private static void narrow(MemorySegment P, long at, int nIn, float[] x, float[] a, int s) {
        long step = 4L * NARROW;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < nIn; k++) {
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long o = at + k * step;
            a0 = FloatVector.fromMemorySegment(F, P, o, NATIVE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, P, o + v, NATIVE).fma(xk, a1);
            a2 = FloatVector.fromMemorySegment(F, P, o + 2 * v, NATIVE).fma(xk, a2);
            a3 = FloatVector.fromMemorySegment(F, P, o + 3 * v, NATIVE).fma(xk, a3);
        }
        a0.intoArray(a, s);
        a1.intoArray(a, s + LANES);
        a2.intoArray(a, s + 2 * LANES);
        a3.intoArray(a, s + 3 * LANES);
    }

    private static void wideBfloat16(MemorySegment P, long at, int nIn, float[] x, float[] a, int s) {
        long step = 2L * WIDE;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = 0; k < nIn; k++) {
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long o = at + k * step;
            IntVector p0 = IntVector.fromMemorySegment(I, P, o, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromMemorySegment(I, P, o + v, ByteOrder.LITTLE_ENDIAN);
            IntVector p2 = IntVector.fromMemorySegment(I, P, o + 2 * v, ByteOrder.LITTLE_ENDIAN);
            IntVector p3 = IntVector.fromMemorySegment(I, P, o + 3 * v, ByteOrder.LITTLE_ENDIAN);
            a0 = low(p0).fma(xk, a0);
            a1 = high(p0).fma(xk, a1);
            a2 = low(p1).fma(xk, a2);
            a3 = high(p1).fma(xk, a3);
            a4 = low(p2).fma(xk, a4);
            a5 = high(p2).fma(xk, a5);
            a6 = low(p3).fma(xk, a6);
            a7 = high(p3).fma(xk, a7);
        }
        a0.intoArray(a, s);
        a1.intoArray(a, s + LANES);
        a2.intoArray(a, s + 2 * LANES);
        a3.intoArray(a, s + 3 * LANES);
        a4.intoArray(a, s + 4 * LANES);
        a5.intoArray(a, s + 5 * LANES);
        a6.intoArray(a, s + 6 * LANES);
        a7.intoArray(a, s + 7 * LANES);
    }

    private static void narrowBfloat16(MemorySegment P, long at, int nIn, float[] x, float[] a, int s) {
        long step = 2L * NARROW;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < nIn; k++) {
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long o = at + k * step;
            IntVector p0 = IntVector.fromMemorySegment(I, P, o, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromMemorySegment(I, P, o + v, ByteOrder.LITTLE_ENDIAN);
            a0 = low(p0).fma(xk, a0);
            a1 = high(p0).fma(xk, a1);
            a2 = low(p1).fma(xk, a2);
            a3 = high(p1).fma(xk, a3);
        }
        a0.intoArray(a, s);
        a1.intoArray(a, s + LANES);
        a2.intoArray(a, s + 2 * LANES);
        a3.intoArray(a, s + 3 * LANES);
    }

    private static FloatVector low(IntVector pair) {
        return pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector high(IntVector pair) {
        return pair.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats();
    }
}

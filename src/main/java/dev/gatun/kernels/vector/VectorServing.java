package dev.gatun.kernels.vector;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarServing;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.AND;
import static jdk.incubator.vector.VectorOperators.LSHL;

/**
 * The serving kernels in SIMD. The dense layer runs over W packed in panels of two float vectors of outputs: the
 * kernel broadcasts x[k] and multiplies it into two accumulators per panel, one load per FMA and no horizontal sums.
 *
 * <p>Why several panels at once: a row reads every weight once, so the kernel is bound by how fast the weights
 * stream in (784-256-128-10: 941 KB per call, about the size of the Zen 5's 1 MB L2 per core). One panel at a time
 * is one sequential stream; eight panels side by side are eight streams the prefetchers fetch together
 * ({@code PredictorBench.latency} on 784-256-128-10, Zen 5: p50 9.7 µs with one panel of 128 outputs at a time,
 * 7.1 µs with groups of eight panels of 32, about 97 and 133 GB/s; the weights alone are read in 5.9 µs). So panels
 * go in groups of {@link #MAX_GROUP} (16 accumulators: what 32 AVX-512 registers hold; 4 panels where there are only
 * 16 vector registers), then 4, then 1.
 *
 * <p>Zero inputs: each call first lists the indices of x's non-zero values ({@link ScalarServing#nonzero}) and the
 * loops run over that list, so the weights of a zero input are not read at all (784-256-128-10 on Fashion-MNIST's
 * test images, Zen 5: p50 4.9–5.8 µs against 9.6–10.4 reading every weight; an image is half zeros, and so is a
 * ReLU layer's output). A branch on x[k] in the loop would mispredict on every change between zero and not.
 *
 * <p>Which group goes first is the caller's: {@code descending} runs the same groups last first (the predictor flips
 * it on every row). Where the weights are a little larger than the L2, a row that reads them in the order of the
 * row before finds none of them there (the L2 keeps what was read last, and the row wants what was read first);
 * read the other way, it starts on the groups the last row left in the L2 (784-256-128-10 on a Zen 3 with 512 KB of
 * L2, {@code RowOrderBench} with the orders taking turns: mean p50 12.8 µs alternating against 13.8 ascending, and
 * at most 14.9 against 17.4 in the machine's slow spells). A layer that is one group has nothing to reverse.
 *
 * <p>bfloat16 panels: a panel's run of {@link #PANEL} = 2·LANES values is one int vector: int lane l holds output l
 * in its low 16 bits and output LANES + l in its high 16 bits, so one shift or one mask turns it into a float vector
 * of weights.
 */
public final class VectorServing implements KernelProvider.Serving {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Outputs per panel: two float vectors, one int vector of bfloat16 pairs. */
    private static final int PANEL = 2 * LANES;
    /** Panels per group: 8 with 32 vector registers (AVX-512), 4 with 16 (AVX2: 8 accumulators, no spills). */
    private static final int MAX_GROUP = F.vectorBitSize() >= 512 ? 8 : 4;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /**
     * An int lane of a bfloat16 panel holds two weights: the low one is a float once shifted up 16 bits
     * ({@code lanewise(LSHL, 16)}), the high one once its low half is cleared ({@code lanewise(AND, HIGH)}). Written
     * out at every use, not a helper: a method of ours that takes a vector boxes it wherever C2 does not inline it.
     */
    private static final int HIGH = 0xFFFF0000;

    @Override
    public int panelOutputs() {
        return PANEL;
    }

    /** An output row holds a few values, too few for vectors to pay off: the scalar loops. */
    @Override
    public void activate(Activation g, float[] z, float[] a, int n) {
        ScalarServing.activate(g, z, a, 0, n);
    }

    @Override
    public void softmax(float[] z, float[] p, int n) {
        ScalarServing.rowSoftmax(z, p, n);
    }

    @Override
    public void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromArray(F, in, from + j).fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoArray(out, j);
        }
        ScalarServing.normalize(in, from, scale, shift, out, bound, n);
    }

    @Override
    public void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromMemorySegment(F, in, at + 4L * j, NATIVE)
                    .fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j)).intoArray(out, j);
        }
        ScalarServing.normalize(in, at, scale, shift, out, bound, n);
    }

    @Override
    public void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromArray(F, in, from + j).fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoMemorySegment(out, at + 4L * j, NATIVE);
        }
        ScalarServing.normalize(in, from, scale, shift, out, at, bound, n);
    }

    @Override
    public void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromMemorySegment(F, in, inAt + 4L * j, NATIVE)
                    .fma(FloatVector.fromArray(F, scale, j), FloatVector.fromArray(F, shift, j))
                    .intoMemorySegment(out, at + 4L * j, NATIVE);
        }
        ScalarServing.normalize(in, inAt, scale, shift, out, at, bound, n);
    }

    @Override
    public int firstNonFinite(float[] in, int from, int n) {
        int bound = n - n % LANES;
        for (int j = 0; j < bound; j += LANES) {
            if (!FloatVector.fromArray(F, in, from + j).test(VectorOperators.IS_FINITE).allTrue()) {
                return ScalarServing.firstNonFinite(in, from, j, j + LANES);
            }
        }
        return ScalarServing.firstNonFinite(in, from, bound, n);
    }

    @Override
    public long firstNonFinite(MemorySegment in, long at, long n) {
        long bound = n - n % LANES;
        for (long j = 0; j < bound; j += LANES) {
            if (!FloatVector.fromMemorySegment(F, in, at + 4L * j, NATIVE).test(VectorOperators.IS_FINITE).allTrue()) {
                return ScalarServing.firstNonFinite(in, at, j, j + LANES);
            }
        }
        return ScalarServing.firstNonFinite(in, at, bound, n);
    }

    private static int padded(int nOut) {
        return (nOut + PANEL - 1) / PANEL * PANEL;
    }

    /**
     * {@code a[i] = g(Σ_k W[i,k]·x[k] + b[i])} for i < nOut over packed float32 panels; a holds padded(nOut). The
     * panels go in groups of eight (with 32 vector registers), then four, then one by one; first group first, or
     * last first when {@code descending}. Each output's chain is the same in any group and either order.
     */
    @Override
    public void dense(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero, float[] a,
                      boolean descending) {
        int count = ScalarServing.nonzero(x, nIn, nonzero);
        int panels = padded(nOut) / PANEL;
        long panelBytes = 4L * PANEL * nIn;
        int eights = MAX_GROUP == 8 ? panels / 8 : 0;
        int fours = (panels - 8 * eights) / 4;
        int groups = panels - 7 * eights - 3 * fours;
        for (int i = 0; i < groups; i++) {
            int group = descending ? groups - 1 - i : i;
            int p = firstPanel(group, eights, fours);
            if (group < eights) {
                eight(P, p * panelBytes, panelBytes, nonzero, count, x, a, p * PANEL);
            } else if (group < eights + fours) {
                four(P, p * panelBytes, panelBytes, nonzero, count, x, a, p * PANEL);
            } else {
                one(P, p * panelBytes, nonzero, count, x, a, p * PANEL);
            }
        }
        finish(b, g, nOut, a);
    }

    /**
     * As {@link #dense} over bfloat16 panels, in groups of at most four: a group of eight decodes 16 vectors per k
     * and no longer fits C2's inlining budget (measured: 72 µs and 677 KB per call, every vector boxed). A method of
     * its own, not a flag on dense's loop, so that no one compilation holds both formats' kernels.
     */
    @Override
    public void denseBfloat16(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero,
                              float[] a, boolean descending) {
        int count = ScalarServing.nonzero(x, nIn, nonzero);
        int panels = padded(nOut) / PANEL;
        long panelBytes = 2L * PANEL * nIn;
        int fours = panels / 4;
        int groups = panels - 3 * fours;
        for (int i = 0; i < groups; i++) {
            int group = descending ? groups - 1 - i : i;
            int p = firstPanel(group, 0, fours);
            if (group < fours) {
                fourBfloat16(P, p * panelBytes, panelBytes, nonzero, count, x, a, p * PANEL);
            } else {
                oneBfloat16(P, p * panelBytes, nonzero, count, x, a, p * PANEL);
            }
        }
        finish(b, g, nOut, a);
    }

    /** The first panel of group {@code group}: {@code eights} groups of eight, then {@code fours} of four, then 1s. */
    private static int firstPanel(int group, int eights, int fours) {
        if (group < eights) {
            return 8 * group;
        }
        if (group < eights + fours) {
            return 8 * eights + 4 * (group - eights);
        }
        return group + 7 * eights + 3 * fours;
    }

    /**
     * {@code a[i] = g(a[i] + b[i])}; vectorised for the piecewise-linear activations (what serving networks use),
     * with the same NaN rule as {@link ScalarServing#activate}: {@code z > 0 ? z : slope·z}.
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
            a[i] = ScalarServing.activate(g, a[i] + b[i]);
        }
    }

    /** 8 panels starting at byte {@code at}, each panelBytes after the last: outputs [s, s + 8·PANEL). */
    private static void eight(MemorySegment P, long at, long panelBytes, int[] nonzero, int count, float[] x, float[] a, int s) {
        long step = 4L * PANEL;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        long o0 = at;
        long o1 = at + panelBytes;
        long o2 = at + 2 * panelBytes;
        long o3 = at + 3 * panelBytes;
        long o4 = at + 4 * panelBytes;
        long o5 = at + 5 * panelBytes;
        long o6 = at + 6 * panelBytes;
        long o7 = at + 7 * panelBytes;
        for (int j = 0; j < count; j++) {
            int k = nonzero[j];
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long ks = k * step;
            a0 = FloatVector.fromMemorySegment(F, P, o0 + ks, NATIVE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, P, o0 + ks + v, NATIVE).fma(xk, a1);
            a2 = FloatVector.fromMemorySegment(F, P, o1 + ks, NATIVE).fma(xk, a2);
            a3 = FloatVector.fromMemorySegment(F, P, o1 + ks + v, NATIVE).fma(xk, a3);
            a4 = FloatVector.fromMemorySegment(F, P, o2 + ks, NATIVE).fma(xk, a4);
            a5 = FloatVector.fromMemorySegment(F, P, o2 + ks + v, NATIVE).fma(xk, a5);
            a6 = FloatVector.fromMemorySegment(F, P, o3 + ks, NATIVE).fma(xk, a6);
            a7 = FloatVector.fromMemorySegment(F, P, o3 + ks + v, NATIVE).fma(xk, a7);
            a8 = FloatVector.fromMemorySegment(F, P, o4 + ks, NATIVE).fma(xk, a8);
            a9 = FloatVector.fromMemorySegment(F, P, o4 + ks + v, NATIVE).fma(xk, a9);
            a10 = FloatVector.fromMemorySegment(F, P, o5 + ks, NATIVE).fma(xk, a10);
            a11 = FloatVector.fromMemorySegment(F, P, o5 + ks + v, NATIVE).fma(xk, a11);
            a12 = FloatVector.fromMemorySegment(F, P, o6 + ks, NATIVE).fma(xk, a12);
            a13 = FloatVector.fromMemorySegment(F, P, o6 + ks + v, NATIVE).fma(xk, a13);
            a14 = FloatVector.fromMemorySegment(F, P, o7 + ks, NATIVE).fma(xk, a14);
            a15 = FloatVector.fromMemorySegment(F, P, o7 + ks + v, NATIVE).fma(xk, a15);
        }
        ((FloatVector) F.vectorType().cast(a0)).intoArray(a, s);
        ((FloatVector) F.vectorType().cast(a1)).intoArray(a, s + LANES);
        ((FloatVector) F.vectorType().cast(a2)).intoArray(a, s + 2 * LANES);
        ((FloatVector) F.vectorType().cast(a3)).intoArray(a, s + 3 * LANES);
        ((FloatVector) F.vectorType().cast(a4)).intoArray(a, s + 4 * LANES);
        ((FloatVector) F.vectorType().cast(a5)).intoArray(a, s + 5 * LANES);
        ((FloatVector) F.vectorType().cast(a6)).intoArray(a, s + 6 * LANES);
        ((FloatVector) F.vectorType().cast(a7)).intoArray(a, s + 7 * LANES);
        ((FloatVector) F.vectorType().cast(a8)).intoArray(a, s + 8 * LANES);
        ((FloatVector) F.vectorType().cast(a9)).intoArray(a, s + 9 * LANES);
        ((FloatVector) F.vectorType().cast(a10)).intoArray(a, s + 10 * LANES);
        ((FloatVector) F.vectorType().cast(a11)).intoArray(a, s + 11 * LANES);
        ((FloatVector) F.vectorType().cast(a12)).intoArray(a, s + 12 * LANES);
        ((FloatVector) F.vectorType().cast(a13)).intoArray(a, s + 13 * LANES);
        ((FloatVector) F.vectorType().cast(a14)).intoArray(a, s + 14 * LANES);
        ((FloatVector) F.vectorType().cast(a15)).intoArray(a, s + 15 * LANES);
    }

    /** 4 panels starting at byte {@code at}, each panelBytes after the last: outputs [s, s + 4·PANEL). */
    private static void four(MemorySegment P, long at, long panelBytes, int[] nonzero, int count, float[] x, float[] a, int s) {
        long step = 4L * PANEL;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long o0 = at;
        long o1 = at + panelBytes;
        long o2 = at + 2 * panelBytes;
        long o3 = at + 3 * panelBytes;
        for (int j = 0; j < count; j++) {
            int k = nonzero[j];
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long ks = k * step;
            a0 = FloatVector.fromMemorySegment(F, P, o0 + ks, NATIVE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, P, o0 + ks + v, NATIVE).fma(xk, a1);
            a2 = FloatVector.fromMemorySegment(F, P, o1 + ks, NATIVE).fma(xk, a2);
            a3 = FloatVector.fromMemorySegment(F, P, o1 + ks + v, NATIVE).fma(xk, a3);
            a4 = FloatVector.fromMemorySegment(F, P, o2 + ks, NATIVE).fma(xk, a4);
            a5 = FloatVector.fromMemorySegment(F, P, o2 + ks + v, NATIVE).fma(xk, a5);
            a6 = FloatVector.fromMemorySegment(F, P, o3 + ks, NATIVE).fma(xk, a6);
            a7 = FloatVector.fromMemorySegment(F, P, o3 + ks + v, NATIVE).fma(xk, a7);
        }
        ((FloatVector) F.vectorType().cast(a0)).intoArray(a, s);
        ((FloatVector) F.vectorType().cast(a1)).intoArray(a, s + LANES);
        ((FloatVector) F.vectorType().cast(a2)).intoArray(a, s + 2 * LANES);
        ((FloatVector) F.vectorType().cast(a3)).intoArray(a, s + 3 * LANES);
        ((FloatVector) F.vectorType().cast(a4)).intoArray(a, s + 4 * LANES);
        ((FloatVector) F.vectorType().cast(a5)).intoArray(a, s + 5 * LANES);
        ((FloatVector) F.vectorType().cast(a6)).intoArray(a, s + 6 * LANES);
        ((FloatVector) F.vectorType().cast(a7)).intoArray(a, s + 7 * LANES);
    }

    /** 1 panel starting at byte {@code at}: outputs [s, s + 1·PANEL). */
    private static void one(MemorySegment P, long at, int[] nonzero, int count, float[] x, float[] a, int s) {
        long step = 4L * PANEL;
        long v = 4L * LANES;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        long o0 = at;
        for (int j = 0; j < count; j++) {
            int k = nonzero[j];
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long ks = k * step;
            a0 = FloatVector.fromMemorySegment(F, P, o0 + ks, NATIVE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, P, o0 + ks + v, NATIVE).fma(xk, a1);
        }
        ((FloatVector) F.vectorType().cast(a0)).intoArray(a, s);
        ((FloatVector) F.vectorType().cast(a1)).intoArray(a, s + LANES);
    }

    /** As {@link #four} over bfloat16 panels: one int vector per panel and k, two outputs per int lane. */
    private static void fourBfloat16(MemorySegment P, long at, long panelBytes, int[] nonzero, int count, float[] x, float[] a, int s) {
        long step = 2L * PANEL;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long o0 = at;
        long o1 = at + panelBytes;
        long o2 = at + 2 * panelBytes;
        long o3 = at + 3 * panelBytes;
        for (int j = 0; j < count; j++) {
            int k = nonzero[j];
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long ks = k * step;
            IntVector p0 = IntVector.fromMemorySegment(I, P, o0 + ks, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromMemorySegment(I, P, o1 + ks, ByteOrder.LITTLE_ENDIAN);
            IntVector p2 = IntVector.fromMemorySegment(I, P, o2 + ks, ByteOrder.LITTLE_ENDIAN);
            IntVector p3 = IntVector.fromMemorySegment(I, P, o3 + ks, ByteOrder.LITTLE_ENDIAN);
            a0 = p0.lanewise(LSHL, 16).reinterpretAsFloats().fma(xk, a0);
            a1 = p0.lanewise(AND, HIGH).reinterpretAsFloats().fma(xk, a1);
            a2 = p1.lanewise(LSHL, 16).reinterpretAsFloats().fma(xk, a2);
            a3 = p1.lanewise(AND, HIGH).reinterpretAsFloats().fma(xk, a3);
            a4 = p2.lanewise(LSHL, 16).reinterpretAsFloats().fma(xk, a4);
            a5 = p2.lanewise(AND, HIGH).reinterpretAsFloats().fma(xk, a5);
            a6 = p3.lanewise(LSHL, 16).reinterpretAsFloats().fma(xk, a6);
            a7 = p3.lanewise(AND, HIGH).reinterpretAsFloats().fma(xk, a7);
        }
        ((FloatVector) F.vectorType().cast(a0)).intoArray(a, s);
        ((FloatVector) F.vectorType().cast(a1)).intoArray(a, s + LANES);
        ((FloatVector) F.vectorType().cast(a2)).intoArray(a, s + 2 * LANES);
        ((FloatVector) F.vectorType().cast(a3)).intoArray(a, s + 3 * LANES);
        ((FloatVector) F.vectorType().cast(a4)).intoArray(a, s + 4 * LANES);
        ((FloatVector) F.vectorType().cast(a5)).intoArray(a, s + 5 * LANES);
        ((FloatVector) F.vectorType().cast(a6)).intoArray(a, s + 6 * LANES);
        ((FloatVector) F.vectorType().cast(a7)).intoArray(a, s + 7 * LANES);
    }

    /** As {@link #one} over bfloat16 panels: one int vector per panel and k, two outputs per int lane. */
    private static void oneBfloat16(MemorySegment P, long at, int[] nonzero, int count, float[] x, float[] a, int s) {
        long step = 2L * PANEL;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        long o0 = at;
        for (int j = 0; j < count; j++) {
            int k = nonzero[j];
            FloatVector xk = FloatVector.broadcast(F, x[k]);
            long ks = k * step;
            IntVector p0 = IntVector.fromMemorySegment(I, P, o0 + ks, ByteOrder.LITTLE_ENDIAN);
            a0 = p0.lanewise(LSHL, 16).reinterpretAsFloats().fma(xk, a0);
            a1 = p0.lanewise(AND, HIGH).reinterpretAsFloats().fma(xk, a1);
        }
        ((FloatVector) F.vectorType().cast(a0)).intoArray(a, s);
        ((FloatVector) F.vectorType().cast(a1)).intoArray(a, s + LANES);
    }
}

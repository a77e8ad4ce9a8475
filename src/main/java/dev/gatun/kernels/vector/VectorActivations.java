package dev.gatun.kernels.vector;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarActivations;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The activations on float32 in SIMD. One loop per activation family, with the formula written inside it: a helper
 * taking or returning vectors gets compiled on its own, is then too large to inline, and boxes every vector it is
 * passed. Piecewise linear: g(z) = z > 0 ? z : slope·z, g' = a > 0 ? 1 : slope. Logistic: g(z) = scale/(1 +
 * e^(−steepness·z)) + offset, g' = (steepness/scale)·(a − offset)·(scale + offset − a). See Activation.
 */
public final class VectorActivations implements KernelProvider.Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;



    /**
     * Rows [fromRow, toRow) of {@code cols} elements that start {@code base} bytes into the segments; b (shift) is
     * indexed by column.
     */
    private static void affineLinear(float slope, MemorySegment z, MemorySegment shift, MemorySegment a, long base,
                                     long fromRow, long toRow, long cols) {
        long bound = S.loopBound(cols);
        VectorMask<Float> tail = S.indexInRange(bound, cols);
        for (long i = fromRow; i < toRow; i++) {
            long row = base + i * cols * BYTES;
            for (long j = 0; j < bound; j += S.length()) {
                FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O);
                if (shift != null) {
                    v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O));
                }
                v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0f)).intoMemorySegment(a, row + j * BYTES, O);
            }
            if (bound < cols) {
                FloatVector v = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
                if (shift != null) {
                    v = v.add(FloatVector.fromMemorySegment(S, shift, bound * BYTES, O, tail));
                }
                v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0f)).intoMemorySegment(a, row + bound * BYTES, O, tail);
            }
        }
    }

    /**
     * The same for the logistic family. {@code scale} is broadcast inside the vector loop rather than once before the
     * rows (C2 hoists it out of that loop, not out of the row loop, which holds a call): a vector held across the rows,
     * and so across the call to {@link #logisticTail} that C2 leaves when it does not inline it, was allocated on every
     * call in about one compilation order in fifteen (KernelAllocationTest at 1001 columns after other species ran:
     * 80 bytes a call; none in 80 runs since).
     */
    private static void affineLogistic(float scale, float minusSteepness, float offset, MemorySegment z, MemorySegment shift,
                                       MemorySegment a, long base, long fromRow, long toRow, long cols) {
        long bound = S.loopBound(cols);
        for (long i = fromRow; i < toRow; i++) {
            long row = base + i * cols * BYTES;
            for (long j = 0; j < bound; j += S.length()) {
                FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O);
                if (shift != null) {
                    v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O));
                }
                FloatVector.broadcast(S, scale).div(FastExp.exp(v.mul(minusSteepness)).add(1f)).add(offset)
                        .intoMemorySegment(a, row + j * BYTES, O);
            }
            if (bound < cols) {
                logisticTail(scale, minusSteepness, offset, z, shift, a, row, bound, cols);
            }
        }
    }

    /**
     * The last, partial vector of a row, in scalar float through FastExp's scalar twin: the same operations, so the
     * same bits, as the vector lanes. A second FastExp.exp on vectors, inlined beside the loop's, passed C2's
     * node-count cutoff and was left a call, which boxed its vectors (ModelTest's zero-allocation check caught it);
     * in a method of its own, C2 could still inline it into the loop's method and reach the same cutoff.
     */
    private static void logisticTail(float scale, float minusSteepness, float offset, MemorySegment z, MemorySegment shift,
                                     MemorySegment a, long row, long bound, long cols) {
        for (long j = bound; j < cols; j++) {
            float v = z.get(ValueLayout.JAVA_FLOAT, row + j * BYTES);
            if (shift != null) {
                v += shift.get(ValueLayout.JAVA_FLOAT, j * BYTES);
            }
            a.set(ValueLayout.JAVA_FLOAT, row + j * BYTES, scale / (FastExp.exp(v * minusSteepness) + 1f) + offset);
        }
    }

    /** Whole vectors of [from, to) only; returns where the scalar tail starts. */
    static long backward(Activation g, MemorySegment dA, MemorySegment a, MemorySegment dZ, long from, long to) {
        long bound = from + S.loopBound(to - from);
        if (g.logistic()) {
            float factor = (float) (g.steepness() / g.scale());
            float offset = (float) g.offset();
            FloatVector top = FloatVector.broadcast(S, (float) (g.scale() + g.offset()));
            for (long i = from; i < bound; i += S.length()) {
                long off = i * BYTES;
                FloatVector d = FloatVector.fromMemorySegment(S, dA, off, O);
                FloatVector out = FloatVector.fromMemorySegment(S, a, off, O);
                d.mul(factor).mul(out.sub(offset)).mul(top.sub(out)).intoMemorySegment(dZ, off, O);
            }
        } else {
            float slope = (float) g.slope();
            for (long i = from; i < bound; i += S.length()) {
                long off = i * BYTES;
                FloatVector d = FloatVector.fromMemorySegment(S, dA, off, O);
                FloatVector out = FloatVector.fromMemorySegment(S, a, off, O);
                // g' = a > 0 ? 1 : slope, as the scalar twin reads it: a NaN activation takes the slope there too
                // (a "<= 0" test let dA through for NaN in the vector body only, so a row's tail disagreed).
                d.mul(slope).blend(d, out.compare(VectorOperators.GT, 0f)).intoMemorySegment(dZ, off, O);
            }
        }
        return bound;
    }

    /**
     * {@code A = g(Z + b)}: each row's last vector masked.
     * The loop sits in this public method rather than in a static helper it calls: one call level less between a
     * caller and the Vector API's own ten or so, under C2's inlining depth of 15 (MaxInlineLevel).
     * {@link #activate} repeats it rather than pass a null b through here: that made this kernel allocate on every
     * call (measured: KernelAllocationTest, rows of 37 and 40).
     */
    @Override
    public void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A, long fromRow, long toRow) {
        if (Z.dtype() != DType.F32) {
            ScalarActivations.affine(g, Z, b, A, fromRow * Z.cols(), toRow * Z.cols());
        } else if (g.logistic()) {
            affineLogistic((float) g.scale(), (float) -g.steepness(), (float) g.offset(), Z.segment(), b.segment(),
                    A.segment(), 0, fromRow, toRow, Z.cols());
        } else {
            affineLinear((float) g.slope(), Z.segment(), b.segment(), A.segment(), 0, fromRow, toRow, Z.cols());
        }
    }

    /** {@code A = g(Z)} over [from, to) as one row of {@code to − from} elements. */
    @Override
    public void activate(Activation g, Tensor Z, Tensor A, long from, long to) {
        if (Z.dtype() != DType.F32) {
            ScalarActivations.affine(g, Z, null, A, from, to);
        } else if (g.logistic()) {
            affineLogistic((float) g.scale(), (float) -g.steepness(), (float) g.offset(), Z.segment(), null,
                    A.segment(), from * BYTES, 0, 1, to - from);
        } else {
            affineLinear((float) g.slope(), Z.segment(), null, A.segment(), from * BYTES, 0, 1, to - from);
        }
    }

    @Override
    public void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from, long to) {
        long done = dA.dtype() == DType.F32 ? backward(g, dA.segment(), A.segment(), dZ.segment(), from, to) : from;
        ScalarActivations.backward(g, dA, A, dZ, done, to);
    }
}

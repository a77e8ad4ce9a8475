package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.StateFlush;
import dev.gatun.kernels.scalar.ScalarOptimizer;
import dev.gatun.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The fused optimizer updates on float32 in SIMD, one pass each: whole vectors here, the tail and float64 in the
 * scalar twin, which rounds to float after every operation exactly as these lanes do (no fused multiply-add here for
 * that reason), so the two agree bit for bit; both store an averaged gradient {@code v} that falls among the
 * subnormals as 0 ({@link StateFlush}). Each pass also sums {@code w − w} over the W it stores, 0 in every lane
 * unless some w is NaN or ±∞: the explosion check at the cost of two vector operations per vector. Its lanes are
 * added by {@code reduceLanes}, whose order does not matter for sums of zeros and NaNs, and which adds nothing to
 * Adam's large body for C2's node budget to run out on (OptimizerAllocationTest checks nothing is boxed); for the
 * same budget the scalar tail is called only when a range has one ({@link #vectorElements}). The loops sit in the
 * public methods rather than in static helpers: one call level less between a caller and the Vector API's own,
 * under C2's inlining depth of 15 (MaxInlineLevel).
 */
public final class VectorOptimizer implements KernelProvider.Optimizer {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /**
     * float32 ranges of whole vectors never reach the scalar tail, so a caller that gives the tail to the scalar
     * twins keeps the tail's code out of these methods' compilations (the interface's note says why).
     */
    @Override
    public int vectorElements(DType dtype) {
        return dtype == DType.F32 ? F.length() : 1;
    }

    @Override
    public boolean sgd(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, long from, long to,
                       double alpha) {
        long done = from;
        FloatVector nan = FloatVector.zero(F);
        if (dtype == DType.F32) {
            float a = (float) alpha;
            done = from + F.loopBound(to - from);
            for (long i = from; i < done; i += F.length()) {
                long at = i * Float.BYTES;
                FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
                if (dW2 != null) {
                    g = g.add(FloatVector.fromMemorySegment(F, dW2, at, ORDER));
                }
                FloatVector w = FloatVector.fromMemorySegment(F, W, at, ORDER).sub(g.mul(a));
                w.intoMemorySegment(W, at, ORDER);
                nan = w.sub(w).add(nan);
            }
        }
        boolean finite = !Float.isNaN(((FloatVector) F.vectorType().cast(nan)).reduceLanes(VectorOperators.ADD));
        return done == to ? finite : ScalarOptimizer.sgdRange(dtype, W, dW, dW2, done, to, alpha) & finite;
    }

    @Override
    public boolean momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                            long from, long to, double alpha, double beta) {
        long done = from;
        FloatVector nan = FloatVector.zero(F);
        if (dtype == DType.F32) {
            float a = (float) alpha;
            float b = (float) beta;
            float c = (float) (1 - beta);
            float vFloor = StateFlush.firstMoment(dtype);
            done = from + F.loopBound(to - from);
            for (long i = from; i < done; i += F.length()) {
                long at = i * Float.BYTES;
                FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
                if (dW2 != null) {
                    g = g.add(FloatVector.fromMemorySegment(F, dW2, at, ORDER));
                }
                FloatVector vNew = FloatVector.fromMemorySegment(F, v, at, ORDER).mul(b).add(g.mul(c));
                vNew = vNew.blend(0f, vNew.abs().compare(VectorOperators.LT, vFloor));
                vNew.intoMemorySegment(v, at, ORDER);
                FloatVector w = FloatVector.fromMemorySegment(F, W, at, ORDER).sub(vNew.mul(a));
                w.intoMemorySegment(W, at, ORDER);
                nan = w.sub(w).add(nan);
            }
        }
        boolean finite = !Float.isNaN(((FloatVector) F.vectorType().cast(nan)).reduceLanes(VectorOperators.ADD));
        return done == to ? finite
                : ScalarOptimizer.momentumRange(dtype, W, dW, dW2, v, done, to, alpha, beta) & finite;
    }

    @Override
    public boolean rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment s,
                           long from, long to, double alpha, double beta2, double epsilon) {
        long done = from;
        FloatVector nan = FloatVector.zero(F);
        if (dtype == DType.F32) {
            float a = (float) alpha;
            float b2 = (float) beta2;
            float c2 = (float) (1 - beta2);
            float e = (float) epsilon;
            done = from + F.loopBound(to - from);
            for (long i = from; i < done; i += F.length()) {
                long at = i * Float.BYTES;
                FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
                if (dW2 != null) {
                    g = g.add(FloatVector.fromMemorySegment(F, dW2, at, ORDER));
                }
                FloatVector sNew = FloatVector.fromMemorySegment(F, s, at, ORDER).mul(b2).add(g.mul(g).mul(c2));
                sNew.intoMemorySegment(s, at, ORDER);
                FloatVector step = g.mul(a).div(sNew.sqrt().add(e));
                FloatVector w = FloatVector.fromMemorySegment(F, W, at, ORDER).sub(step);
                w.intoMemorySegment(W, at, ORDER);
                // s too: a gradient whose square overflows makes s +Inf and every later step 0, W finite and frozen.
                // w + s is non-finite when either is (or both are near float32's largest: worth reporting too).
                FloatVector ws = w.add(sNew);
                nan = ws.sub(ws).add(nan);
            }
        }
        boolean finite = !Float.isNaN(((FloatVector) F.vectorType().cast(nan)).reduceLanes(VectorOperators.ADD));
        return done == to ? finite
                : ScalarOptimizer.rmspropRange(dtype, W, dW, dW2, s, done, to, alpha, beta2, epsilon) & finite;
    }

    /** Adam with the bias corrections folded into {@code α/(1−β₁ᵗ)} and {@code 1/(1−β₂ᵗ)}, computed once in double. */
    @Override
    public boolean adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                        MemorySegment s, long from, long to, double alpha, double beta1, double beta2, double epsilon,
                        long t) {
        long done = from;
        FloatVector nan = FloatVector.zero(F);
        if (dtype == DType.F32) {
            float alphaT = (float) (alpha / (1 - Math.pow(beta1, t)));
            float inverseCorrection2 = (float) (1 / (1 - Math.pow(beta2, t)));
            float b1 = (float) beta1;
            float c1 = (float) (1 - beta1);
            float b2 = (float) beta2;
            float c2 = (float) (1 - beta2);
            float e = (float) epsilon;
            float vFloor = StateFlush.firstMoment(dtype);
            done = from + F.loopBound(to - from);
            for (long i = from; i < done; i += F.length()) {
                long at = i * Float.BYTES;
                FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
                if (dW2 != null) {
                    g = g.add(FloatVector.fromMemorySegment(F, dW2, at, ORDER));
                }
                FloatVector vNew = FloatVector.fromMemorySegment(F, v, at, ORDER).mul(b1).add(g.mul(c1));
                vNew = vNew.blend(0f, vNew.abs().compare(VectorOperators.LT, vFloor));
                FloatVector sNew = FloatVector.fromMemorySegment(F, s, at, ORDER).mul(b2).add(g.mul(g).mul(c2));
                vNew.intoMemorySegment(v, at, ORDER);
                sNew.intoMemorySegment(s, at, ORDER);
                FloatVector step = vNew.mul(alphaT).div(sNew.mul(inverseCorrection2).sqrt().add(e));
                FloatVector w = FloatVector.fromMemorySegment(F, W, at, ORDER).sub(step);
                w.intoMemorySegment(W, at, ORDER);
                FloatVector ws = w.add(sNew);   // s as in rmsprop
                nan = ws.sub(ws).add(nan);
            }
        }
        boolean finite = !Float.isNaN(((FloatVector) F.vectorType().cast(nan)).reduceLanes(VectorOperators.ADD));
        return done == to ? finite
                : ScalarOptimizer.adamRange(dtype, W, dW, dW2, v, s, done, to, alpha, beta1, beta2, epsilon, t)
                & finite;
    }
}

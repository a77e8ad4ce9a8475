package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarRegularization;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** {@code dW += c·W} and {@code dW += c·sign(W)} on float32 in SIMD; the scalar twin takes the tail and float64. */
public final class VectorRegularization implements KernelProvider.Regularization {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;

    @Override
    public void addScaled(Tensor dW, Tensor W, double c) {
        add(dW, W, c, false);
    }

    @Override
    public void addScaledSign(Tensor dW, Tensor W, double c) {
        add(dW, W, c, true);
    }

    /** Whole vectors here, the tail and float64 in the scalar twin. */
    private static void add(Tensor dWt, Tensor Wt, double scale, boolean sign) {
        long done = 0;
        if (Wt.dtype() == DType.F32) {
            MemorySegment dW = dWt.segment();
            MemorySegment W = Wt.segment();
            long n = Wt.size();
            float c = (float) scale;
            long bound = S.loopBound(n);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                FloatVector w = FloatVector.fromMemorySegment(S, W, off, O);
                FloatVector g = FloatVector.fromMemorySegment(S, dW, off, O);
                if (sign) {
                    // Math.signum's: ±1, ±0 kept, and NaN stays NaN (the twin's dW then holds NaN; so does this one).
                    w = w.blend(1f, w.compare(VectorOperators.GT, 0f)).blend(-1f, w.compare(VectorOperators.LT, 0f));
                }
                g.add(w.mul(c)).intoMemorySegment(dW, off, O);
            }
            done = bound;
        }
        ScalarRegularization.add(dWt, Wt, scale, sign, done);
    }
}

package dev.gatun.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * FastExp against Math.exp computed in double (the correctly rounded value's neighbourhood), over a dense sweep
 * of every binade in [−104, 89] plus a uniform sweep, and on special values; and the vector lanes bit for bit
 * against the scalar twin on the same inputs.
 */
class FastExpTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Achieved: 0.92 ulp worst (x = −71.046), so relative error ≤ 1.1e-7, for normal results; the bound that must hold. */
    private static final double MAX_ULPS = 1.0;

    /** Largest error seen, in ulps of the float result, for results in the normal range. */
    private double worstUlps;
    private float worstAt;

    @Test
    void within_one_ulp_of_math_exp_over_every_binade_of_the_domain() {
        // Bit patterns from 0 up to 104 (negative side) and up to 89 (positive side), one in 127: every binade,
        // 0.8 M points per side, plus the patterns just around each end.
        checkBitRange(0, Float.floatToRawIntBits(104f), 127, true);
        checkBitRange(0, Float.floatToRawIntBits(89f), 127, false);
        // Uniform in value, where most of the interesting results are.
        int n = 2_000_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-104.0 + 193.0 * i / (n - 1));
        }
        check(x);
        assertTrue(worstUlps <= MAX_ULPS, "worst error " + worstUlps + " ulp at x = " + worstAt);
        assertTrue(worstUlps > 0.4, "a sweep this dense must meet rounding error of about half an ulp, saw " + worstUlps);
    }

    @Test
    void every_float_near_the_ends_of_the_range() {
        float[] x = new float[4 * 200_000];
        int k = 0;
        for (float centre : new float[]{-87.33655f, -103.97208f, 88.72284f, 0f}) {
            float v = centre;
            for (int i = 0; i < 100_000; i++) {
                v = Math.nextDown(v);
            }
            for (int i = 0; i < 200_000; i++) {
                x[k++] = v;
                v = Math.nextUp(v);
            }
        }
        check(x);
        assertTrue(worstUlps <= MAX_ULPS, "worst error " + worstUlps + " ulp at x = " + worstAt);
    }

    @Test
    void special_values() {
        float[] x = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f, 1f, -1f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 88.7229f, 89f, 1000f, -104f, -104.5f, -1000f, -87.3f};
        float[] expected = {Float.NaN, 0f, Float.POSITIVE_INFINITY, 1f, 1f, (float) Math.E, (float) Math.exp(-1), 1f,
                1f, Float.POSITIVE_INFINITY, 0f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
                0f, 0f, 0f, (float) Math.exp(-87.3f)};
        float[] vector = vectorExp(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], FastExp.exp(x[i]), "scalar exp(" + x[i] + ")");
            assertEquals(expected[i], vector[i], "vector exp(" + x[i] + ")");
        }
        assertTrue(FastExp.exp(-100f) > 0f && FastExp.exp(-100f) < Float.MIN_NORMAL, "e^-100 is a subnormal, kept, not flushed");
    }

    private void checkBitRange(int fromBits, int toBits, int stride, boolean negative) {
        int count = (toBits - fromBits) / stride + 1;
        float[] x = new float[count + 64];
        for (int i = 0; i < count; i++) {
            float v = Float.intBitsToFloat(fromBits + i * stride);
            x[i] = negative ? -v : v;
        }
        for (int i = 0; i < 64; i++) {
            float v = Float.intBitsToFloat(toBits - 32 + i);
            x[count + i] = negative ? -v : v;
        }
        check(x);
    }

    /** Every x: vector lane == scalar twin bit for bit, and the scalar result within the error bound. */
    private void check(float[] x) {
        float[] vector = vectorExp(x);
        for (int i = 0; i < x.length; i++) {
            float scalar = FastExp.exp(x[i]);
            if (Float.floatToRawIntBits(scalar) != Float.floatToRawIntBits(vector[i])) {
                fail("exp(" + x[i] + "): vector lane " + vector[i] + " differs from the scalar twin " + scalar);
            }
            double exact = Math.exp(x[i]);
            if (exact > Float.MAX_VALUE) {
                // Within an ulp of FLT_MAX either answer is in bounds; beyond, only +Inf is.
                if (!(scalar == Float.POSITIVE_INFINITY || exact < Float.MAX_VALUE * (1.0 + 0x1p-23))) {
                    fail("exp(" + x[i] + ") = " + scalar + ", expected +Inf");
                }
            } else if (exact < Float.MIN_NORMAL) {
                // Subnormal range: absolute error within one subnormal step.
                if (!(Math.abs(scalar - exact) <= Float.MIN_VALUE)) {
                    fail("exp(" + x[i] + ") = " + scalar + ", exact " + exact + ": more than one subnormal step off");
                }
            } else {
                double ulps = Math.abs(scalar - exact) / Math.ulp((float) exact);
                if (ulps > worstUlps) {
                    worstUlps = ulps;
                    worstAt = x[i];
                }
            }
        }
    }

    private static float[] vectorExp(float[] x) {
        float[] out = new float[x.length];
        int i = 0;
        for (; i < S.loopBound(x.length); i += S.length()) {
            FastExp.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        }
        for (; i < x.length; i++) {
            FloatVector padded = FloatVector.broadcast(S, x[i]);
            out[i] = FastExp.exp(padded).lane(0);
        }
        return out;
    }
}

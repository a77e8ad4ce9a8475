package dev.gatun.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float32 for the Vector API kernels, with a scalar twin that is bit for bit the same, so the
 * kernels' results do not depend on the platform's vector math library: {@code lanewise(EXP)} is an SVML stub
 * call where the JDK ships libjsvml (x86-64 Linux/Windows; there it measured as fast as this, within a few
 * percent) and one scalar Math.exp per lane elsewhere (several times slower). FMAs, one shift, no table.
 *
 * <p>Algorithm: {@code x = n·ln2 + r} with {@code n = round(x·log2 e)} and {@code |r| ≤ ln2/2}; r is computed with
 * ln2 split in two constants (Cody–Waite): {@code n·LN2_HI} is exact (LN2_HI = 355/512 has 9 significant bits), so only
 * the small {@code n·LN2_LO} term rounds. {@code e^r} is its Taylor polynomial of degree 7 by Horner's rule in
 * FMAs (truncation below 6e-9 relative on the interval, far under float rounding). {@code 2^n} is built in the
 * exponent bits, in two halves {@code 2^⌊n/2⌋·2^(n−⌊n/2⌋)}, so n = 128 (x up to ln(FLT_MAX)) and n down to −150
 * (subnormal results) need no special case: the last multiply overflows to +Inf or underflows gradually to
 * subnormals and 0, correctly rounded once.
 *
 * <p>Specials: x is clamped to [−104, 89] first, outside of which the float result is 0 or +Inf anyway, so
 * {@code −Inf → 0}, {@code +Inf → +Inf}; NaN fails both clamp comparisons and stays NaN. Subnormal results are
 * kept (gradual underflow), not flushed.
 *
 * <p>Accuracy (FastExpTest, against Math.exp in double over every binade of [−104, 89]): 0.92 ulp at worst for
 * normal results (relative error ≤ 1.1e-7), within one subnormal step below. {@link #exp(float)} is the same
 * algorithm in scalar float with the same FMAs, bit for bit equal to the vector lanes: the vector version's oracle,
 * and a scalar e^x for any float32 code that wants the same numbers.
 */
public final class FastExp {
    private FastExp() {}

    /** Below this, e^x is under half the smallest subnormal (e^−103.97): the result is 0. */
    static final float LOW = -104f;
    /** Above ln(FLT_MAX) = 88.7228: the result is +Inf; 89 keeps n = 128 so the overflow happens in the last multiply. */
    static final float HIGH = 89f;

    private static final float LOG2E = (float) (1.0 / Math.log(2.0));
    /** ln 2 to 9 significant bits (355/512): n·LN2_HI is exact for |n| < 2^15. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = (float) (Math.log(2.0) - LN2_HI);
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer, left in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    // 1/k! for k = 7..2, rounded to float.
    private static final float C7 = (float) (1.0 / 5040);
    private static final float C6 = (float) (1.0 / 720);
    private static final float C5 = (float) (1.0 / 120);
    private static final float C4 = (float) (1.0 / 24);
    private static final float C3 = (float) (1.0 / 6);
    private static final float C2 = 0.5f;

    /** e^x, the scalar twin: the same operations as {@link #exp(FloatVector)} on one lane. */
    public static float exp(float x) {
        float clamped = x > HIGH ? HIGH : (x < LOW ? LOW : x);
        float shifted = Math.fma(clamped, LOG2E, ROUNDER);
        float n = shifted - ROUNDER;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, clamped));
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int ni = Float.floatToRawIntBits(shifted) - ROUNDER_BITS;
        int half = ni >> 1;
        return p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((ni - half + 127) << 23);
    }

    /**
     * e^x lane by lane. Kept small so C2 inlines it into the kernels' loops (a call that is not inlined boxes
     * its vectors); the kernels' benchmarks with {@code -prof gc} show whether that holds.
     */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> s = x.species();
        FloatVector clamped = x.blend(HIGH, x.compare(VectorOperators.GT, HIGH)).blend(LOW, x.compare(VectorOperators.LT, LOW));
        FloatVector shifted = clamped.fma(LOG2E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(s, -LN2_HI), clamped);
        r = n.fma(FloatVector.broadcast(s, -LN2_LO), r);
        FloatVector p = r.fma(C7, C6)
                .fma(r, FloatVector.broadcast(s, C5))
                .fma(r, FloatVector.broadcast(s, C4))
                .fma(r, FloatVector.broadcast(s, C3))
                .fma(r, FloatVector.broadcast(s, C2))
                .fma(r, FloatVector.broadcast(s, 1f))
                .fma(r, FloatVector.broadcast(s, 1f));
        IntVector ni = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector low = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector high = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(low).mul(high);
    }
}

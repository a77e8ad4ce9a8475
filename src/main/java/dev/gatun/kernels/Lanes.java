package dev.gatun.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of a vector's lanes in one fixed order, whatever the JIT does. {@code reduceLanes(ADD)} is allowed to add
 * floating-point lanes in any order, and does: the interpreter's fallback adds them left to right, C2's intrinsic
 * as a tree, so the same kernel gives results a rounding apart before and after compilation, and a seeded training
 * run is no longer bitwise reproducible (it depends on when the JIT got there). Here the halves are folded onto
 * each other with lanewise adds, which round identically in every execution mode.
 */
final class Lanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] FLOAT_FOLDS = folds(FLOATS);
    private static final VectorShuffle<Double>[] DOUBLE_FOLDS = folds(DOUBLES);

    private Lanes() {}

    static float sum(FloatVector v) {
        for (VectorShuffle<Float> fold : FLOAT_FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    static double sum(DoubleVector v) {
        for (VectorShuffle<Double> fold : DOUBLE_FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    /** Shuffles bringing lane i + half onto lane i, for half = length/2, length/4, ..., 1. */
    @SuppressWarnings("unchecked")
    private static <E> VectorShuffle<E>[] folds(VectorSpecies<E> species) {
        int n = species.length();
        int count = Integer.numberOfTrailingZeros(n);
        VectorShuffle<E>[] folds = new VectorShuffle[count];
        int half = n / 2;
        for (int f = 0; f < count; f++, half /= 2) {
            int h = half;
            folds[f] = VectorShuffle.fromOp(species, i -> (i + h) % n);
        }
        return folds;
    }
}

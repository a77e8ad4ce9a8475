package dev.gatun.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of a vector's lanes in one fixed order, whatever the JIT does. {@code reduceLanes(ADD)} is allowed to add
 * floating-point lanes in any order, and does: the interpreter's fallback and C2's intrinsic round differently, so
 * the same kernel gives results a rounding apart before and after compilation, and a seeded training run is no
 * longer bitwise reproducible (measured: TrainerTest's determinism test fails with reduceLanes). Here the halves are
 * folded onto each other with lanewise adds, which round identically in every execution mode. Each fold's shuffle
 * is its own constant field (not an array element) so that C2 sees a constant and keeps the vectors in registers.
 */
final class Lanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int FLOAT_LANES = FLOATS.length();
    private static final VectorShuffle<Float> F8 = fold(FLOATS, 8);
    private static final VectorShuffle<Float> F4 = fold(FLOATS, 4);
    private static final VectorShuffle<Float> F2 = fold(FLOATS, 2);
    private static final VectorShuffle<Float> F1 = fold(FLOATS, 1);

    private Lanes() {}

    static float sum(FloatVector v) {
        if (FLOAT_LANES == 8) {
            // Halves by reinterpretation (no shuffle), then the four lanes left to right.
            FloatVector half = (FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 0)
                    .add(v.reinterpretShape(FloatVector.SPECIES_128, 1));
            return ((half.lane(0) + half.lane(1)) + half.lane(2)) + half.lane(3);
        }
        if (FLOAT_LANES > 16) {
            throw new UnsupportedOperationException(FLOAT_LANES + " float lanes: Lanes folds at most 16");
        }
        if (FLOAT_LANES > 8) {
            v = v.add(v.rearrange(F8));
        }
        if (FLOAT_LANES > 4) {
            v = v.add(v.rearrange(F4));
        }
        if (FLOAT_LANES > 2) {
            v = v.add(v.rearrange(F2));
        }
        if (FLOAT_LANES > 1) {
            v = v.add(v.rearrange(F1));
        }
        return v.lane(0);
    }

    /** Brings lane i + half onto lane i (wrapping), or null when the species has no more than {@code half} lanes. */
    private static <E> VectorShuffle<E> fold(VectorSpecies<E> species, int half) {
        int n = species.length();
        return n > half ? VectorShuffle.fromOp(species, i -> (i + half) % n) : null;
    }
}

package dev.gatun.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The shuffles of a horizontal sum in one fixed order, whatever the JIT does. {@code reduceLanes(ADD)} is allowed to
 * add floating-point lanes in any order, and does: the interpreter's fallback and C2's intrinsic round differently, so
 * the same kernel gives results a rounding apart before and after compilation, and a seeded training run is no
 * longer bitwise reproducible (measured: TrainerTest's determinism test fails with reduceLanes). Instead the halves
 * are folded onto each other with lanewise adds, which round identically in every execution mode:
 *
 * <pre>{@code
 * if (Lanes.F8 != null) v = v.add(v.rearrange(Lanes.F8));
 * if (Lanes.F4 != null) v = v.add(v.rearrange(Lanes.F4));
 * if (Lanes.F2 != null) v = v.add(v.rearrange(Lanes.F2));
 * if (Lanes.F1 != null) v = v.add(v.rearrange(Lanes.F1));
 * float sum = v.lane(0);
 * }</pre>
 *
 * <p>Written out where a kernel sums, not called: a method of ours that takes a vector is inlined only while C2's
 * node budget lasts, and where it is not (measured: at the end of the softmax, once the kernel had been inlined into
 * {@code Model.computeGradients}) its argument is boxed, 96 bytes a call. The Vector API's own methods are always
 * inlined. Each fold's shuffle is its own constant field (not an array element) so that C2 sees a constant; a null
 * fold is one the species is too narrow for, and its test folds away once compiled.
 *
 * <p><b>Vectors that come around a loop</b> (a running sum, a running max, the optimizers' NaN check) are never the
 * receiver of a Vector API method in the kernels: inside the loop they are the argument ({@code sum = x.add(sum)});
 * after it, {@code (FloatVector) S.vectorType().cast(sum)} comes first. C2 types such a vector as plain
 * {@code FloatVector}, so a method called on it ({@code add} calls the abstract {@code lanewise}) is bound by the
 * type profile HotSpot keeps inside the Vector API's method, one for the whole process. Where other vector code,
 * or profiles C2 read before they were complete, left that profile without one dominant class, the call stayed a
 * call and boxed the vector on every iteration (BENCHMARKS.md, "The slow runs found"). The cast, to a constant
 * class, gives C2 the exact type back.
 */
final class Lanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int N = FLOATS.length();
    /** The widest species the four folds sum whole: 16 float lanes, 512 bits. */
    static final int MAX_LANES = 16;
    // Each brings lane i + half onto lane i (wrapping), or is null when the species has no more than half lanes.
    static final VectorShuffle<Float> F8 = N > 8 ? VectorShuffle.fromOp(FLOATS, i -> (i + 8) % N) : null;
    static final VectorShuffle<Float> F4 = N > 4 ? VectorShuffle.fromOp(FLOATS, i -> (i + 4) % N) : null;
    static final VectorShuffle<Float> F2 = N > 2 ? VectorShuffle.fromOp(FLOATS, i -> (i + 2) % N) : null;
    static final VectorShuffle<Float> F1 = N > 1 ? VectorShuffle.fromOp(FLOATS, i -> (i + 1) % N) : null;

    private Lanes() {}
}

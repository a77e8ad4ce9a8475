package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Inverted dropout (DESIGN §3): keep each activation with probability keepProb and divide the kept ones by it.
 *
 * <p>The mask is a pure function of (key, element index): a counter-based generator, two rounds of the
 * murmur3 32-bit finaliser, so the vector body can draw a whole vector of decisions at once and the scalar twin
 * reproduces them bit for bit. Element k is kept when the top 24 bits of its hash fall below
 * {@code round(keepProb·2²⁴)}. The model derives the key from its seed, the layer and the step, so the same seed
 * gives the same masks, and a step can be replayed (gradient checking holds the mask fixed that way).
 */
public final class DropoutKernels {
    private DropoutKernels() {}

    /** Writes the mask M (1/keepProb where kept, 0 where dropped) and {@code D = A ⊙ M}, in one pass. */
    public static void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D) {
        checkForward(A, keepProb, M, D);
        if (!Vectorization.ENABLED) {
            scalarForward(A, keepProb, key, M, D, 0);
        } else if (A.dtype() == DType.F32) {
            scalarForward(A, keepProb, key, M, D, F32.forward(A.segment(), A.size(), keepProb, key, M.segment(), D.segment()));
        } else {
            scalarForward(A, keepProb, key, M, D, F64.forward(A.segment(), A.size(), keepProb, key, M.segment(), D.segment()));
        }
    }

    public static void scalarForward(Tensor A, double keepProb, long key, Tensor M, Tensor D) {
        checkForward(A, keepProb, M, D);
        scalarForward(A, keepProb, key, M, D, 0);
    }

    /** {@code dA = dD ⊙ M}: gradients flow only through the kept units, scaled like them. dA may be dD. */
    public static void backward(Tensor dD, Tensor M, Tensor dA) {
        checkBackward(dD, M, dA);
        if (!Vectorization.ENABLED) {
            scalarBackward(dD, M, dA, 0);
        } else if (dD.dtype() == DType.F32) {
            scalarBackward(dD, M, dA, F32.multiply(dD.segment(), M.segment(), dA.segment(), dD.size()));
        } else {
            scalarBackward(dD, M, dA, F64.multiply(dD.segment(), M.segment(), dA.segment(), dD.size()));
        }
    }

    public static void scalarBackward(Tensor dD, Tensor M, Tensor dA) {
        checkBackward(dD, M, dA);
        scalarBackward(dD, M, dA, 0);
    }

    /** The keep decision for element {@code index} under {@code key}: the definition the vector bodies follow. */
    public static boolean kept(long key, int index, double keepProb) {
        return (hash(key, index) >>> 8) < threshold(keepProb);
    }

    static int threshold(double keepProb) {
        return (int) Math.round(keepProb * (1 << 24));
    }

    static int hash(long key, int index) {
        return mix(mix(index ^ (int) key) + (int) (key >>> 32));
    }

    private static int mix(int h) {
        h = (h ^ (h >>> 16)) * 0x85ebca6b;
        h = (h ^ (h >>> 13)) * 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private static void checkForward(Tensor A, double keepProb, Tensor M, Tensor D) {
        String op = "dropout";
        Check.usable(op, "A", A);
        if (!(keepProb > 0 && keepProb <= 1)) {
            throw new IllegalArgumentException(op + ": keepProb must be in (0, 1], got " + keepProb);
        }
        if (A.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": A " + A.shapeString() + " has more than 2^31-1 elements");
        }
        Check.like(op, A, "A", M, "M");
        Check.like(op, A, "A", D, "D");
        Check.sameOrDisjoint(op, D, "D", A, "A");
        Check.sameOrDisjoint(op, M, "M", A, "A");
        Check.sameOrDisjoint(op, M, "M", D, "D");
        if (M.segment().address() == A.segment().address() || M.segment().address() == D.segment().address()) {
            throw new IllegalArgumentException(op + ": the mask M must have its own memory");
        }
    }

    private static void checkBackward(Tensor dD, Tensor M, Tensor dA) {
        String op = "dropoutBackward";
        Check.usable(op, "dD", dD);
        Check.like(op, dD, "dD", M, "M");
        Check.like(op, dD, "dD", dA, "dA");
        Check.sameOrDisjoint(op, dA, "dA", dD, "dD");
        Check.sameOrDisjoint(op, dA, "dA", M, "M");
    }

    private static void scalarForward(Tensor A, double keepProb, long key, Tensor M, Tensor D, long from) {
        double scale = 1.0 / keepProb;
        int threshold = threshold(keepProb);
        for (long k = from; k < A.size(); k++) {
            double m = (hash(key, (int) k) >>> 8) < threshold ? scale : 0.0;
            M.set(k, m);
            D.set(k, A.get(k) * M.get(k));
        }
    }

    private static void scalarBackward(Tensor dD, Tensor M, Tensor dA, long from) {
        for (long k = from; k < dD.size(); k++) {
            dA.set(k, dD.get(k) * M.get(k));
        }
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(S.length() * Integer.SIZE));
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        static long forward(MemorySegment a, long n, double keepProb, long key, MemorySegment mask, MemorySegment d) {
            long bound = S.loopBound(n);
            FloatVector zero = FloatVector.zero(S);
            float scale = (float) (1.0 / keepProb);
            int threshold = threshold(keepProb);
            int low = (int) key;
            int high = (int) (key >>> 32);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                // The hash of indices k, k+1, ...: mix(mix(index ^ low) + high), written out (see hash()) because a
                // helper returning a vector would box it.
                IntVector h = IntVector.zero(I).addIndex(1).add((int) k).lanewise(VectorOperators.XOR, low);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).add(high);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
                FloatVector m = zero.blend(scale, h.lanewise(VectorOperators.LSHR, 8).compare(VectorOperators.LT, threshold).cast(S));
                m.intoMemorySegment(mask, off, O);
                FloatVector.fromMemorySegment(S, a, off, O).mul(m).intoMemorySegment(d, off, O);
            }
            return bound;
        }

        static long multiply(MemorySegment x, MemorySegment y, MemorySegment out, long n) {
            long bound = S.loopBound(n);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                FloatVector.fromMemorySegment(S, x, off, O).mul(FloatVector.fromMemorySegment(S, y, off, O)).intoMemorySegment(out, off, O);
            }
            return bound;
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(S.length() * Integer.SIZE));
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static long forward(MemorySegment a, long n, double keepProb, long key, MemorySegment mask, MemorySegment d) {
            long bound = S.loopBound(n);
            DoubleVector zero = DoubleVector.zero(S);
            double scale = 1.0 / keepProb;
            int threshold = threshold(keepProb);
            int low = (int) key;
            int high = (int) (key >>> 32);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                // The hash of indices k, k+1, ...: mix(mix(index ^ low) + high), written out (see hash()) because a
                // helper returning a vector would box it.
                IntVector h = IntVector.zero(I).addIndex(1).add((int) k).lanewise(VectorOperators.XOR, low);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).add(high);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85ebca6b);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xc2b2ae35);
                h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
                DoubleVector m = zero.blend(scale, h.lanewise(VectorOperators.LSHR, 8).compare(VectorOperators.LT, threshold).cast(S));
                m.intoMemorySegment(mask, off, O);
                DoubleVector.fromMemorySegment(S, a, off, O).mul(m).intoMemorySegment(d, off, O);
            }
            return bound;
        }

        static long multiply(MemorySegment x, MemorySegment y, MemorySegment out, long n) {
            long bound = S.loopBound(n);
            for (long k = 0; k < bound; k += S.length()) {
                long off = k * BYTES;
                DoubleVector.fromMemorySegment(S, x, off, O).mul(DoubleVector.fromMemorySegment(S, y, off, O)).intoMemorySegment(out, off, O);
            }
            return bound;
        }
    }
}

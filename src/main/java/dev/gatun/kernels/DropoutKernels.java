package dev.gatun.kernels;

import dev.gatun.kernels.scalar.ScalarDropout;
import dev.gatun.tensor.Tensor;

/**
 * Inverted dropout: keep each activation with probability keepProb and divide the kept ones by it.
 *
 * <p>The mask is a pure function of (key, element index): a counter-based generator, two rounds of the
 * murmur3 32-bit finaliser, so the vector body can draw a whole vector of decisions at once and the scalar twin
 * reproduces them bit for bit. Element k is kept when the top 24 bits of its hash fall below
 * {@code round(keepProb·2²⁴)}. The model derives the key from its seed, the layer and the step, so the same seed
 * gives the same masks, and a step can be replayed (gradient checking holds the mask fixed that way). Split across
 * threads when a {@link SplitKernels} is bound to the calling thread.
 */
public final class DropoutKernels {
    private static final KernelProvider.Dropout KERNELS = KernelProvider.selected().dropout();

    private DropoutKernels() {}

    /** Writes the mask M (1/keepProb where kept, 0 where dropped) and {@code D = A ⊙ M}, in one pass. */
    public static void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D) {
        checkForward(A, keepProb, M, D);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.dropoutForward(A, keepProb, key, M, D);
        } else {
            KERNELS.forward(A, keepProb, key, M, D, 0, A.size());
        }
    }

    /**
     * As {@link #forward} for row {@code row} of A alone, the mask drawn under {@code key} over the row's own
     * element indices {@code 0..cols−1}: a row's mask then depends on its key and not on where the row sits.
     */
    public static void forwardRow(Tensor A, long row, double keepProb, long key, Tensor M, Tensor D) {
        checkForward(A, keepProb, M, D);
        if (A.rank() != 2 || row < 0 || row >= A.rows()) {
            throw new IllegalArgumentException("dropout row " + row + " is not a row of A " + A.shapeString());
        }
        KERNELS.forwardRow(A, row, keepProb, key, M, D);
    }

    /** {@code dA = dD ⊙ M}: gradients flow only through the kept units, scaled like them. dA may be dD. */
    public static void backward(Tensor dD, Tensor M, Tensor dA) {
        checkBackward(dD, M, dA);
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.dropoutBackward(dD, M, dA);
        } else {
            KERNELS.backward(dD, M, dA, 0, dD.size());
        }
    }

    /** The keep decision for element {@code index} under {@code key}: the definition every provider follows. */
    public static boolean kept(long key, int index, double keepProb) {
        return (ScalarDropout.hash(key, index) >>> 8) < ScalarDropout.threshold(keepProb);
    }

    /**
     * The smallest keep probability: the mask keeps an element when a 24-bit hash falls below round(keepProb·2²⁴), so
     * below 2⁻²⁵ nothing is kept, and near it the kept fraction is off from keepProb by up to half a part in
     * keepProb·2²⁴ (19% at 1e−7) while the kept values are still divided by keepProb. From 2⁻¹⁴ on the error is under
     * 0.05%.
     */
    public static final double MIN_KEEP_PROB = 0x1p-14;

    /** Refuses a keep probability outside [{@link #MIN_KEEP_PROB}, 1], naming {@code what}. */
    public static void requireKeepProb(String what, double keepProb) {
        if (!(keepProb >= MIN_KEEP_PROB && keepProb <= 1)) {
            throw new IllegalArgumentException(what + ": keepProb must be in [" + MIN_KEEP_PROB + ", 1] (2^-14: the"
                    + " dropout mask's resolution), got " + keepProb);
        }
    }

    private static void checkForward(Tensor A, double keepProb, Tensor M, Tensor D) {
        String op = "dropout";
        Check.usable(op, "A", A);
        requireKeepProb(op, keepProb);
        if (A.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": A " + A.shapeString() + " has more than 2^31-1 elements");
        }
        Check.like(op, A, "A", M, "M");
        Check.like(op, A, "A", D, "D");
        Check.sameOrDisjoint(op, D, "D", A, "A");
        Check.apart(op, M, "M", A, "A");
        Check.apart(op, M, "M", D, "D");
    }

    private static void checkBackward(Tensor dD, Tensor M, Tensor dA) {
        String op = "dropoutBackward";
        Check.usable(op, "dD", dD);
        Check.like(op, dD, "dD", M, "M");
        Check.like(op, dD, "dD", dA, "dA");
        Check.sameOrDisjoint(op, dA, "dA", dD, "dD");
        Check.sameOrDisjoint(op, dA, "dA", M, "M");
    }
}

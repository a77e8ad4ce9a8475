package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

/**
 * Inverted dropout element by element, and the mask's definition: element k is kept when the top 24 bits of
 * {@link #hash}(key, k) fall below {@link #threshold}(keepProb). The vector bodies draw the same hash a vector at a
 * time, so both give the same mask bit for bit.
 */
public final class ScalarDropout implements KernelProvider.Dropout {
    ScalarDropout() {}

    @Override
    public void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D, long from, long to) {
        forwardRange(A, keepProb, key, M, D, from, to);
    }

    @Override
    public void forwardRow(Tensor A, long row, double keepProb, long key, Tensor M, Tensor D) {
        forwardRow(A, row, keepProb, key, M, D, 0);
    }

    @Override
    public void backward(Tensor dD, Tensor M, Tensor dA, long from, long to) {
        backwardRange(dD, M, dA, from, to);
    }

    /** Row {@code row} from its element {@code from} on, element j hashed as index j: the twin, and the vector body's tail. */
    public static void forwardRow(Tensor A, long row, double keepProb, long key, Tensor M, Tensor D, long from) {
        double scale = 1.0 / keepProb;
        int threshold = threshold(keepProb);
        long cols = A.cols();
        long start = row * cols;
        for (long j = from; j < cols; j++) {
            double m = (hash(key, (int) j) >>> 8) < threshold ? scale : 0.0;
            M.set(start + j, m);
            D.set(start + j, A.get(start + j) * M.get(start + j));
        }
    }

    /** Elements [from, to): the twin, and the vector bodies' tail. */
    public static void forwardRange(Tensor A, double keepProb, long key, Tensor M, Tensor D, long from, long to) {
        double scale = 1.0 / keepProb;
        int threshold = threshold(keepProb);
        for (long k = from; k < to; k++) {
            double m = (hash(key, (int) k) >>> 8) < threshold ? scale : 0.0;
            M.set(k, m);
            D.set(k, A.get(k) * M.get(k));
        }
    }

    public static void backwardRange(Tensor dD, Tensor M, Tensor dA, long from, long to) {
        for (long k = from; k < to; k++) {
            dA.set(k, dD.get(k) * M.get(k));
        }
    }

    /** {@code round(keepProb·2²⁴)}: a 24-bit draw below it keeps the element. */
    public static int threshold(double keepProb) {
        return (int) Math.round(keepProb * (1 << 24));
    }

    /** Two rounds of the murmur3 32-bit finaliser over (index, key). */
    public static int hash(long key, int index) {
        return mix(mix(index ^ (int) key) + (int) (key >>> 32));
    }

    private static int mix(int h) {
        h = (h ^ (h >>> 16)) * 0x85ebca6b;
        h = (h ^ (h >>> 13)) * 0xc2b2ae35;
        return h ^ (h >>> 16);
    }
}

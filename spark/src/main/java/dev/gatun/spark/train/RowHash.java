package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * A 128-bit hash of a row's content (every feature value as a dense vector, then the label), MurmurHash3's x64
 * 128-bit mixing over the values' IEEE bits: the same on every JVM, and the same for a sparse and a dense vector of
 * equal values. Rows are ranked by it to get their global ids ({@link RowIds}), so a row's id follows from what it
 * holds, not from where or in which order a partition (perhaps recomputed) delivers it. One instance per pass,
 * reused for every row: {@link #hash} fills {@link #hi} and {@link #lo}.
 */
final class RowHash {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    long hi;
    long lo;
    private long h1;
    private long h2;
    private long pending;
    private boolean odd;
    private long length;

    /** Hashes a checked row: {@code features} holds finite values, {@code label} is a class index. */
    RowHash hash(Vector features, double label) {
        h1 = 0x9368e53c2f6af274L;
        h2 = 0x586dcd208f7cd3fdL;
        odd = false;
        length = 0;
        int size = features.size();
        if (features instanceof SparseVector sparse) {
            int[] indices = sparse.indices();
            double[] values = sparse.values();
            int k = 0;
            for (int j = 0; j < size; j++) {
                boolean stored = k < indices.length && indices[k] == j;
                add(stored ? values[k++] : 0.0);
            }
        } else {
            for (int j = 0; j < size; j++) {
                add(features.apply(j));
            }
        }
        add(label);
        if (odd) {
            block(pending, 0);
        }
        h1 ^= length;
        h2 ^= length;
        h1 += h2;
        h2 += h1;
        h1 = fmix(h1);
        h2 = fmix(h2);
        h1 += h2;
        h2 += h1;
        hi = h1;
        lo = h2;
        return this;
    }

    /** Which of {@code parts} equal ranges of the hashes (by {@link #hi}, unsigned) a hash falls in. */
    static int range(long hi, int parts) {
        return (int) Math.unsignedMultiplyHigh(hi, parts);
    }

    /** Orders two hashes: {@code hi} then {@code lo}, unsigned, as {@link #range} does. */
    static int compare(long hiA, long loA, long hiB, long loB) {
        int byHi = Long.compareUnsigned(hiA, hiB);
        return byHi != 0 ? byHi : Long.compareUnsigned(loA, loB);
    }

    /** The indices {@code 0..n-1} ordered by their hashes ({@link #compare}); equal hashes in any order. */
    static int[] sortedOrder(long[] hi, long[] lo, int n) {
        return java.util.stream.IntStream.range(0, n).boxed()
                .sorted((a, b) -> compare(hi[a], lo[a], hi[b], lo[b]))
                .mapToInt(Integer::intValue).toArray();
    }

    private void add(double value) {
        // 0.0 and -0.0 train alike but are different bits: they count as different rows, which only orders them.
        long bits = Double.doubleToRawLongBits(value);
        length += Double.BYTES;
        if (odd) {
            block(pending, bits);
        } else {
            pending = bits;
        }
        odd = !odd;
    }

    private void block(long k1, long k2) {
        h1 = lane(h1, h2, Long.rotateLeft(k1 * C1, 31) * C2, 27, 0x52dce729);
        h2 = lane(h2, h1, Long.rotateLeft(k2 * C2, 33) * C1, 31, 0x38495ab5);
    }

    /** One lane's round: the mixed key in, rotated, the other lane added. */
    private static long lane(long h, long other, long mixedKey, int rotation, long constant) {
        return (Long.rotateLeft(h ^ mixedKey, rotation) + other) * 5 + constant;
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}

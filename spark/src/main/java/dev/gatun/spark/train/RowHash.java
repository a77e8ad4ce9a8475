package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 128-bit hash of a row's content (every feature value as a dense vector, then the label): the first 128 bits of
 * the JDK's SHA-256 over the values' IEEE bits, the same on every JVM, and the same for a sparse and a dense vector
 * of equal values. Rows are ranked by it to get their global ids ({@link RowRanking}), so a row's id follows from what it
 * holds, not from where or in which order a partition (perhaps recomputed) delivers it. One instance per pass,
 * reused for every row: {@link #hash} fills {@link #hi} and {@link #lo}.
 */
final class RowHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** Values go to the digest 64 at a time. */
    private static final int BLOCK_VALUES = 64;

    long hi;
    long lo;
    private final MessageDigest digest;
    private final byte[] block = new byte[BLOCK_VALUES * Double.BYTES];
    private final byte[] out;
    private int filled;

    RowHash() {
        try {
            digest = MessageDigest.getInstance("SHA-256");   // every Java platform must provide it
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        out = new byte[digest.getDigestLength()];
    }

    /** Hashes a checked row: {@code features} holds finite values, {@code label} is {@link LabelRule#check}'s value. */
    RowHash hash(Vector features, double label) {
        digest.reset();
        filled = 0;
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
        digest.update(block, 0, filled);
        try {
            digest.digest(out, 0, out.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 refused a buffer of its own length", e);
        }
        hi = (long) LONGS.get(out, 0);
        lo = (long) LONGS.get(out, Long.BYTES);
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
        LONGS.set(block, filled, Double.doubleToRawLongBits(value));
        filled += Double.BYTES;
        if (filled == block.length) {
            digest.update(block, 0, filled);
            filled = 0;
        }
    }
}

package dev.gatun.data;

/**
 * SplitMix64: a tiny seeded generator whose whole state is one long, so that reseeding it per epoch or per batch
 * allocates nothing and the same seed gives the same stream on every JDK (java.util's generators promise less).
 */
final class SplitMix {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    SplitMix(long seed) {
        state = seed;
    }

    void reseed(long seed) {
        state = seed;
    }

    long nextLong() {
        state += GOLDEN;
        return finish(state);
    }

    /** Uniform in {@code [0, bound)}: draws are rejected above the largest multiple of bound, so no value is favoured. */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long span = 1L << 32;
        long limit = span - span % bound;
        long x;
        do {
            x = nextLong() >>> 32;
        } while (x >= limit);
        return (int) (x % bound);
    }

    /** A seed for the stream numbered {@code index} under {@code seed}: neighbouring indices give unrelated streams. */
    static long derive(long seed, long index) {
        return finish(seed ^ finish(index * GOLDEN + GOLDEN));
    }

    /** Fisher-Yates over {@code values[0, n)}. */
    void shuffle(int[] values, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    private static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.gatun.kernels;

/**
 * SplitMix64, the one source of randomness keyed by counters: a tiny seeded generator whose whole state is one long,
 * so that reseeding it per epoch or per batch allocates nothing and the same seed gives the same stream on every JDK
 * (java.util's generators promise less), and its finaliser {@link #mix}, which turns (seed, layer, step) counters
 * into well-spread keys. The data loader shuffles with it, dropout keys its masks with it.
 */
public final class SplitMix {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix(long seed) {
        state = seed;
    }

    public void reseed(long seed) {
        state = seed;
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in {@code [0, bound)}: draws are rejected above the largest multiple of bound, so no value is favoured. */
    public int nextInt(int bound) {
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
    public static long derive(long seed, long index) {
        return mix(seed ^ mix(index * GOLDEN + GOLDEN));
    }

    /** Fisher-Yates over {@code values[0, n)}. */
    public void shuffle(int[] values, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** SplitMix64's finaliser: a counter in, a well-spread 64-bit key out. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.gatun.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Call latencies in nanoseconds, counted in logarithmic buckets: exact below 64 ns, then 32 buckets per power of
 * two (every bucket within ~3% of its values). Fixed size, so recording allocates nothing and never fills up;
 * one per thread, merged at the end.
 */
final class LatencyHistogram {
    private static final int EXACT = 64;
    private static final int SUB = 32;
    private static final int COUNTS = EXACT + SUB * 58;
    /** A histogram's counts, for memory estimates. */
    static final long BYTES = 8L * COUNTS;
    private final long[] counts = new long[COUNTS];
    private long total;

    void record(long nanos) {
        counts[bucket(Math.max(0, nanos))]++;
        total++;
    }

    static int bucket(long n) {
        if (n < EXACT) {
            return (int) n;
        }
        int e = 63 - Long.numberOfLeadingZeros(n);
        return EXACT + (e - 6) * SUB + (int) ((n >> (e - 5)) & (SUB - 1));
    }

    /** The middle of bucket b's range of values. */
    static double value(int b) {
        if (b < EXACT) {
            return b;
        }
        int e = 6 + (b - EXACT) / SUB;
        long width = 1L << (e - 5);
        long low = (long) (SUB + (b - EXACT) % SUB) << (e - 5);
        return low + (width - 1) / 2.0;
    }

    void add(LatencyHistogram other) {
        for (int b = 0; b < counts.length; b++) {
            counts[b] += other.counts[b];
        }
        total += other.total;
    }

    long count() {
        return total;
    }

    /** The q-quantile (0 < q ≤ 1) in nanoseconds: the value below which a fraction q of the calls fall. */
    double quantile(double q) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return value(b);
            }
        }
        return value(counts.length - 1);
    }

    /** p50_us, p90_us, p99_us and p999_us, in microseconds to two decimals: the report fields every command shares. */
    Map<String, Double> percentilesMicros() {
        Map<String, Double> fields = new LinkedHashMap<>();
        fields.put("p50_us", micros(quantile(0.50)));
        fields.put("p90_us", micros(quantile(0.90)));
        fields.put("p99_us", micros(quantile(0.99)));
        fields.put("p999_us", micros(quantile(0.999)));
        return fields;
    }

    private static double micros(double nanos) {
        return Math.round(nanos / 10.0) / 100.0;
    }
}

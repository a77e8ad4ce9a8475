package dev.gatun.spark.bench;

import dev.gatun.spark.allreduce.LoopbackRings;

import java.util.Arrays;
import java.util.Locale;

/**
 * The ring all-reduce's time per call on loopback, the input bench/spark-scaling-model reads for its per-hop latency
 * (a 1-float sum: 2(P−1) hops of nothing) and its loopback bandwidth (the MLP's gradient, 235,147 floats). P threads in
 * one JVM, each with its own ring member, as the replicas of a local[P] run; rank 0's wall time per call after a
 * warm-up. Prints one JSON object per size.
 *
 * <p>Usage: {@code RingTiming P CALLS FLOATS...}
 */
public final class RingTiming {
    private static final long TIMEOUT_MILLIS = 60_000;

    private RingTiming() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: RingTiming P CALLS FLOATS...");
        }
        int size = Integer.parseInt(args[0]);
        int calls = Integer.parseInt(args[1]);
        for (int a = 2; a < args.length; a++) {
            int floats = Integer.parseInt(args[a]);
            double[] nanos = time(size, floats, calls);
            Arrays.sort(nanos);
            double mean = Arrays.stream(nanos).average().orElseThrow();
            System.out.println(String.format(Locale.ROOT,
                    "{\"ring\":%d,\"floats\":%d,\"bytes\":%d,\"calls\":%d,\"mean_us\":%.2f,\"p50_us\":%.2f,\"p90_us\":%.2f}",
                    size, floats, 4L * floats, calls, mean / 1e3, nanos[calls / 2] / 1e3, nanos[calls * 9 / 10] / 1e3));
        }
    }

    /** Rank 0's nanoseconds for each of {@code calls} sums, after as many warm-up sums. */
    private static double[] time(int size, int floats, int calls) throws Exception {
        return LoopbackRings.run(size, floats, TIMEOUT_MILLIS, (rank, data, ring) -> {
            double[] nanos = new double[calls];
            for (int call = -calls; call < calls; call++) {
                long start = System.nanoTime();
                ring.sumInPlace();
                if (call >= 0) {
                    nanos[call] = System.nanoTime() - start;
                }
            }
            return nanos;
        }).get(0);
    }
}

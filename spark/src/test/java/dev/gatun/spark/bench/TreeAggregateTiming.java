package dev.gatun.spark.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The communication of one step of the simpler alternative to Gatun's ring, as MLlib trains: the driver broadcasts
 * the weights, one Spark job has each of P tasks produce a gradient of the same size, and {@code treeAggregate} sums
 * them to the driver. No arithmetic beyond the sums, so the time is what the design costs per step before any
 * computing; bench/spark-compare's notes set it beside the ring's (RingTiming). Prints one JSON object.
 *
 * <p>Usage: {@code TreeAggregateTiming MASTER PARTITIONS STEPS FLOATS}
 */
public final class TreeAggregateTiming {
    private TreeAggregateTiming() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: TreeAggregateTiming MASTER PARTITIONS STEPS FLOATS");
        }
        String master = args[0];
        int partitions = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int floats = Integer.parseInt(args[3]);
        try (SparkSession spark = SparkSession.builder().master(master).appName("tree-aggregate-timing")
                .config("spark.ui.enabled", "false").getOrCreate()) {
            JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<Integer> ranks = IntStream.range(0, partitions).boxed().toList();
            JavaRDD<Integer> replicas = context.parallelize(ranks, partitions).cache();
            replicas.count();
            float[] weights = new float[floats];
            double[] nanos = new double[steps];
            for (int step = -steps; step < steps; step++) {   // as many warm-up steps as timed ones
                long start = System.nanoTime();
                Broadcast<float[]> broadcast = context.broadcast(weights);
                float[] sum = replicas.treeAggregate(new float[floats], (acc, rank) -> {
                    float[] w = broadcast.value();
                    for (int i = 0; i < acc.length; i++) {
                        acc[i] += w[i] + rank;   // stands for the task's gradient
                    }
                    return acc;
                }, (a, b) -> {
                    for (int i = 0; i < a.length; i++) {
                        a[i] += b[i];
                    }
                    return a;
                });
                broadcast.destroy();
                weights[0] = sum[0] * 0;   // the driver's step would update the weights here
                if (step >= 0) {
                    nanos[step] = System.nanoTime() - start;
                }
            }
            Arrays.sort(nanos);
            System.out.println(String.format(Locale.ROOT,
                    "{\"design\":\"broadcast+treeAggregate\",\"master\":\"%s\",\"partitions\":%d,\"bytes\":%d,\"steps\":%d,"
                            + "\"p50_ms\":%.3f,\"mean_ms\":%.3f}",
                    master, partitions, 4L * floats, steps, nanos[steps / 2] / 1e6,
                    Arrays.stream(nanos).average().orElseThrow() / 1e6));
        }
    }
}

package dev.gatun.bench;

import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.serve.RowWeights;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Inference on 784-256-128-10 (He-initialised weights, /255 input scaling, as a Fashion-MNIST model serves), on the
 * first rows of Fashion-MNIST's test images ({@code -p input=random} for random rows; see {@link RequestRowSet}):
 * <ul>
 *   <li>{@code latency}: one row per call, {@link Mode#SampleTime} — JMH prints p50, p90, p99, p99.9 of the call
 *       time (targets: p50 ≤ 10 µs, p99 ≤ 25 µs with one thread). Add {@code -prof gc}: gc.alloc.rate.norm
 *       must be ≈ 0 B/op.</li>
 *   <li>{@code batch}: {@value #BATCH} rows per call through sgemm, throughput in rows per second (the score is per
 *       row thanks to @OperationsPerInvocation; target ≥ 250,000 rows/s with 2 threads). OpenBLAS threads are
 *       global: set them with {@code -jvmArgsAppend -Dgatun.threads=N}; JMH request threads with {@code -t N}.</li>
 * </ul>
 * Run: {@code bench/run PredictorBench.latency -prof gc} and
 * {@code bench/run PredictorBench.batch -jvmArgsAppend -Dgatun.threads=2}; one caller on every core through the
 * predictor's batch threads: {@code bench/run PredictorBench.batch -p batchThreads=2 -jvmArgsAppend -Dgatun.threads=1}. One Predictor is shared by every JMH
 * thread (Scope.Benchmark), as a service shares it; each thread has its own input and output arrays.
 */
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class PredictorBench {
    static final int BATCH = 1024;

    @State(Scope.Benchmark)
    public static class Shared {
        /** How the row kernel stores the weights (the batch path is float32 either way). */
        @Param({"FLOAT32", "BFLOAT16"})
        RowWeights rowWeights;

        /**
         * The predictor's batch threads (Options.withBatchThreads): with more than 1 and {@code -Dgatun.threads=1}, one
         * JMH thread's batches are cut into row shares run on that many cores.
         */
        @Param({"1"})
        int batchThreads;

        Arena arena;
        Predictor predictor;

        @Setup
        public void setUp() {
            arena = Arena.ofShared();
            try (Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                    .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena)) {
                predictor = Predictor.of(model, Normalization.scaleToUnit(784),
                        Predictor.Options.defaults().withRowWeights(rowWeights).withBatchThreads(batchThreads));
            }
        }

        @TearDown
        public void tearDown() {
            predictor.close();
            arena.close();
        }
    }

    @State(Scope.Thread)
    public static class Rows {
        /** Single rows {@link #latency} goes through in turn, as {@code gatun benchmark --input} takes a file's. */
        static final int SINGLE_ROWS = 64;

        /** An IDX file of 784-value images, or {@value RequestRowSet#RANDOM}: see {@link RequestRowSet}. */
        @Param({RequestRowSet.FASHION_MNIST_TEST})
        String input;

        final int rows = BATCH;

        float[][] singles;
        int next;
        float[] oneOut;
        float[] many;
        float[] manyOut;

        @Setup
        public void setUp() {
            long seed = Thread.currentThread().threadId();
            singles = RequestRowSet.singleRows(input, SINGLE_ROWS, 784, seed);
            many = RequestRowSet.rows(input, rows, 784, seed);
            oneOut = new float[10];
            manyOut = new float[rows * 10];
        }

        /** The next single row, round the {@value #SINGLE_ROWS}. */
        float[] one() {
            float[] row = singles[next];
            next = (next + 1) % SINGLE_ROWS;
            return row;
        }
    }

    /**
     * The floor under {@link #latency}: a row prediction reads every weight once, so it cannot beat reading the
     * network's weight bytes (784·256 + 256·128 + 128·10 values, float32 or bfloat16) front to back, with nothing
     * else to do, from wherever they live between calls (L2 if they fit, else L3).
     */
    @State(Scope.Thread)
    public static class WeightBytes {
        static final long WEIGHTS = 784L * 256 + 256L * 128 + 128L * 10;

        @Param({"FLOAT32", "BFLOAT16"})
        RowWeights rowWeights;

        Arena arena;
        MemorySegment bytes;

        @Setup
        public void setUp() {
            arena = Arena.ofConfined();
            bytes = arena.allocate(WEIGHTS * (rowWeights == RowWeights.FLOAT32 ? 4 : 2), 64);
            for (long i = 0; i < bytes.byteSize() / 4; i++) {
                bytes.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (i % 7));
            }
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float readWeights(WeightBytes weights) {
        VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
        long step = 4L * species.length();
        MemorySegment bytes = weights.bytes;
        FloatVector s0 = FloatVector.zero(species);
        FloatVector s1 = s0, s2 = s0, s3 = s0;
        long end = bytes.byteSize() - bytes.byteSize() % (4 * step);
        for (long at = 0; at < end; at += 4 * step) {
            s0 = s0.add(FloatVector.fromMemorySegment(species, bytes, at, ByteOrder.nativeOrder()));
            s1 = s1.add(FloatVector.fromMemorySegment(species, bytes, at + step, ByteOrder.nativeOrder()));
            s2 = s2.add(FloatVector.fromMemorySegment(species, bytes, at + 2 * step, ByteOrder.nativeOrder()));
            s3 = s3.add(FloatVector.fromMemorySegment(species, bytes, at + 3 * step, ByteOrder.nativeOrder()));
        }
        return s0.add(s1).add(s2).add(s3).lane(0);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float[] latency(Shared shared, Rows rows) {
        shared.predictor.predict(rows.one(), rows.oneOut);
        return rows.oneOut;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void batch(Shared shared, Rows rows, Blackhole hole) {
        shared.predictor.predict(rows.many, rows.rows, rows.manyOut);
        hole.consume(rows.manyOut);
    }
}

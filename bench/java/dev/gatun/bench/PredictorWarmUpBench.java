package dev.gatun.bench;

import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A service's first single-row calls: each fork is a fresh JVM that builds the 784-256-128-10 predictor, calls
 * {@link Predictor#warmUp()} or not, and then times its first 1,000 calls one by one (SingleShotTime, no JMH
 * warm-up), so the percentiles are those of the calls a service makes right after start-up.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1000)
@Fork(value = 5, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Benchmark)
public class PredictorWarmUpBench {
    @Param({"true", "false"})
    boolean warmUp;

    Arena arena;
    Predictor predictor;
    float[] row;
    float[] out;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        try (Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena)) {
            predictor = Predictor.of(model, Normalization.scaleToUnit(784));
        }
        if (warmUp) {
            predictor.warmUp();
        }
        SplittableRandom random = new SplittableRandom(3);
        row = new float[784];
        for (int j = 0; j < row.length; j++) {
            row[j] = random.nextInt(256);
        }
        out = new float[10];
    }

    @TearDown
    public void tearDown() {
        predictor.close();
        arena.close();
    }

    @Benchmark
    public float[] firstCalls() {
        predictor.predict(row, out);
        return out;
    }
}

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
import java.util.concurrent.TimeUnit;

/**
 * A service's first single-row calls: each fork is a fresh JVM that builds the 784-256-128-10 predictor, calls
 * {@link Predictor#warmUp()} or not, and then times its first 1,000 calls one by one (SingleShotTime, no JMH
 * warm-up), so the percentiles are those of the calls a service makes right after start-up. The calls go through
 * the first 64 of Fashion-MNIST's test images in turn, as {@link PredictorBench#latency} does.
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

    /** An IDX file of 784-value images, or {@value RequestRowSet#RANDOM}: see {@link RequestRowSet}. */
    @Param({RequestRowSet.FASHION_MNIST_TEST})
    String input;

    Arena arena;
    Predictor predictor;
    float[][] rows;
    int next;
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
        rows = RequestRowSet.singleRows(input, PredictorBench.Rows.SINGLE_ROWS, 784, 3);
        out = new float[10];
    }

    @TearDown
    public void tearDown() {
        predictor.close();
        arena.close();
    }

    @Benchmark
    public float[] firstCalls() {
        predictor.predict(rows[next], out);
        next = (next + 1) % rows.length;
        return out;
    }
}

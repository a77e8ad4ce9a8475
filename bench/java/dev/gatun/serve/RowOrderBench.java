package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Why a predictor's rows read the weight panels back and forth: the row kernel over 784-256-128-10 (the predictor's
 * own float32 {@link Stage}s, no normalisation or softmax), with every row reading the panels first to last
 * ({@code ASCENDING}, what a predictor did before) or each row the other way from the last ({@code ALTERNATING},
 * what {@code Predictor} does). Same bits either way; the difference is which weights are still in the core's L2
 * when a row starts, where the 939 KB of weights do not all fit. In {@code dev.gatun.serve}, unlike the other
 * benchmarks, because the stages are package-private and the order is the predictor's own state.
 *
 * <p>Several forks: whether a JVM's weights land in L2 sets that collide is decided by the physical pages it gets,
 * and a fork keeps its pages, so one fork per order would compare two page placements as much as two orders. JMH runs
 * all of one order's forks before the other's; where the machine's speed moves (a shared or virtual one), let the
 * orders take turns instead, a few rounds of {@code bench/run RowOrderBench -p order=ASCENDING -f 2} then
 * {@code -p order=ALTERNATING -f 2}.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 4, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class RowOrderBench {
    public enum Order { ASCENDING, ALTERNATING }

    @Param({"ASCENDING", "ALTERNATING"})
    Order order;

    private Arena arena;
    private Stage[] stages;
    private float[][] activations;
    private float[] x;
    private int[] nonzero;
    private boolean descending;

    @Setup
    public void setUp() {
        arena = Arena.ofConfined();
        try (Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena)) {
            List<Stage> compiled = Stage.compile(model, arena, RowWeights.FLOAT32);
            stages = compiled.toArray(new Stage[0]);
        }
        activations = new float[stages.length][];
        for (int s = 0; s < stages.length; s++) {
            activations[s] = new float[RowPanels.padded(stages[s].outputs())];
        }
        SplittableRandom random = new SplittableRandom(1);
        x = new float[stages[0].inputs()];
        nonzero = new int[x.length];
        for (int k = 0; k < x.length; k++) {
            x[k] = random.nextInt(256) / 255f;
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] row() {
        boolean d = descending;
        descending = order == Order.ALTERNATING && !d;
        float[] in = x;
        for (int s = 0; s < stages.length; s++) {
            stages[s].row(in, nonzero, activations[s], d);
            in = activations[s];
        }
        return in;
    }
}

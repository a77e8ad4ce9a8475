package dev.gatun.bench;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Why a predictor's rows read the weight panels back and forth: the row kernel over 784-256-128-10 (the three dense
 * layers through the selected provider's {@link KernelProvider.Serving#dense}, no normalisation or softmax), with
 * every row reading the panels first to last ({@code ASCENDING}, what a predictor did before) or each row the other
 * way from the last ({@code ALTERNATING}, what {@code Predictor} does). Same bits either way; the difference is which
 * weights are still in the core's L2 when a row starts, where the 939 KB of weights do not all fit.
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
    private static final int[] WIDTHS = {784, 256, 128, 10};

    public enum Order { ASCENDING, ALTERNATING }

    @Param({"ASCENDING", "ALTERNATING"})
    Order order;

    private final KernelProvider.Serving serving = KernelProvider.selected().serving();
    private Arena arena;
    private MemorySegment[] panels;
    private float[][] biases;
    private float[][] activations;
    private float[] x;
    private boolean descending;

    @Setup
    public void setUp() {
        arena = Arena.ofConfined();
        int layers = WIDTHS.length - 1;
        int panel = serving.panelOutputs();
        panels = new MemorySegment[layers];
        biases = new float[layers][];
        activations = new float[layers][];
        SplittableRandom random = new SplittableRandom(1);
        for (int l = 0; l < layers; l++) {
            int nIn = WIDTHS[l];
            int nOut = WIDTHS[l + 1];
            int padded = (nOut + panel - 1) / panel * panel;
            // The layout Serving.dense documents: P[s·nIn + k·PANEL + (i − s)] = W[i, k] for panel start s.
            panels[l] = arena.allocate(4L * padded * nIn, 64);
            double he = Math.sqrt(2.0 / nIn);
            for (int i = 0; i < nOut; i++) {
                int s = i - i % panel;
                for (int k = 0; k < nIn; k++) {
                    panels[l].setAtIndex(ValueLayout.JAVA_FLOAT, (long) s * nIn + (long) k * panel + (i - s),
                            (float) (random.nextGaussian() * he));
                }
            }
            biases[l] = new float[nOut];
            activations[l] = new float[padded];
        }
        x = new float[WIDTHS[0]];
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
        for (int l = 0; l < panels.length; l++) {
            Activation g = l == panels.length - 1 ? Activation.IDENTITY : Activation.RELU;
            serving.dense(panels[l], biases[l], g, WIDTHS[l + 1], WIDTHS[l], in, activations[l], d);
            in = activations[l];
        }
        return in;
    }
}

package dev.gatun.bench;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.MnistDirectory;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.SplitKernels;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The training loop's step on real data: 784-256-128-10 (ReLU, softmax cross-entropy, He, Adam 1e-3) over the
 * memory-mapped Fashion-MNIST training images, shuffled.
 * <ul>
 *   <li>{@code loopStep}: what the Trainer does per batch: gather the next shuffled batch from the mapped bytes,
 *       then forward, loss, backward and Adam (whose pass also checks the parameters for NaN/Inf).</li>
 *   <li>{@code fixedStep}: the same step on the batch gathered last, without gathering a new one.</li>
 * </ul>
 * {@code loopStep − fixedStep} is what batch assembly costs inside the loop, where the step's own data have
 * pushed the batch buffer and the images out of the caches (BatchAssemblyBench measures assembly alone, on warm
 * caches). Per epoch: multiply by the batches per epoch (the last partial batch is dropped here, so every step
 * has the same size). Set BLAS threads with {@code -jvmArgsPrepend -Dgatun.threads=N}; with {@code -p prefetch=true}
 * the next batch is gathered on the prefetch thread while the step runs (then fixedStep - its batch is not
 * refilled - is the same as without). {@code -p stepThreads=1,2} runs the step's kernels, Adam and the gather on
 * that many threads, as {@code Trainer.Builder.stepThreads} does (1: the training thread alone).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class TrainingLoopBench {
    @Param({"32", "128", "1024"})
    public int batch;

    @Param({"/usr/share/datasets/fashion-mnist"})
    public String dataDir;

    /** Batches' prefetch thread: off, as the Trainer defaults; {@code -p prefetch=true,false} compares the two. */
    @Param({"false"})
    public boolean prefetch;

    /** Threads sharing the step's Java work; 1 binds nothing, as {@code -Dgatun.step.split=false}. */
    @Param({"1"})
    public int stepThreads;

    private SplitKernels split;
    private SplitKernels.Binding bound;
    private MnistDirectory mnist;
    private Arena arena;
    private Model model;
    private Optimizer adam;
    private Batches batches;
    private Batch current;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        mnist = MnistDirectory.load(Path.of(dataDir));
        arena = Arena.ofConfined();
        model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena);
        adam = Optimizer.adam(1e-3);
        batches = Batches.over(mnist.train(), batch).seed(1).dropLast(true).prefetch(prefetch).build();
        if (stepThreads > 1) {
            split = new SplitKernels(stepThreads);
            bound = split.bind();
        }
        current = batches.next();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (split != null) {
            bound.close();
            split.close();
        }
        batches.close();
        adam.close();
        model.close();
        arena.close();
        mnist.close();
    }

    @Benchmark
    public double loopStep() {
        current = batches.next();
        double cost = model.computeGradients(current.X(), current.targetsFor(model));
        adam.step(model.parameters());
        return cost;
    }

    @Benchmark
    public double fixedStep() {
        double cost = model.computeGradients(current.X(), current.targetsFor(model));
        adam.step(model.parameters());
        return cost;
    }
}

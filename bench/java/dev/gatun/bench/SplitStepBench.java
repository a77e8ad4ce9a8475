package dev.gatun.bench;

import dev.gatun.activation.Activation;
import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.MnistDirectory;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.SoftmaxKernels;
import dev.gatun.kernels.SplitKernels;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The parts of a training step that the step threads share, each on its own, at {@code threads} = 1 (nothing bound:
 * the training thread alone, as with {@code -Dgatun.step.split=false}) and 2 or more ({@code SplitKernels} bound
 * to the benchmark thread, as a Trainer binds it), for the main job's 784-256-128-10 network at batch {@code batch}:
 * <ul>
 *   <li>{@code biasRelu}: the first hidden layer's {@code A = relu(Z + b)}, (batch, 256);</li>
 *   <li>{@code reluBackward}: its {@code dZ = dA ⊙ relu'(A)}, (batch, 256);</li>
 *   <li>{@code softmaxCrossEntropy}: the output's loss and gradient, (batch, 10);</li>
 *   <li>{@code adam}: one Adam step over the network's 235,146 parameters, with the folded non-finite check;</li>
 *   <li>{@code gather}: the next shuffled batch of Fashion-MNIST from the mapped bytes, normalised.</li>
 * </ul>
 * {@code -p minElements=...} sets the elements per thread below which a call is not split (the default of
 * {@code -Dgatun.step.split.min}), to find where splitting starts to pay.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class SplitStepBench {
    @Param({"1", "2"})
    public int threads;

    @Param({"128", "1024"})
    public int batch;

    @Param({"8192"})
    public long minElements;

    @Param({"/usr/share/datasets/fashion-mnist"})
    public String dataDir;

    private Arena arena;
    private SplitKernels split;
    private SplitKernels.Binding bound;
    private Tensor Z;
    private Tensor b;
    private Tensor A;
    private Tensor dZ;
    private Tensor logits;
    private Tensor dLogits;
    private MemorySegment labels;
    private Model model;
    private Optimizer adam;
    private MnistDirectory mnist;
    private Batches batches;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofConfined();
        SplittableRandom random = new SplittableRandom(1);
        Z = random(arena, random, batch, 256);
        b = random(arena, random, 1, 256).reshape(256);
        A = Tensor.allocate(arena, DType.F32, batch, 256);
        dZ = random(arena, random, batch, 256);
        logits = random(arena, random, batch, 10);
        dLogits = Tensor.allocate(arena, DType.F32, batch, 10);
        labels = arena.allocate(4L * batch, 4);
        for (int i = 0; i < batch; i++) {
            labels.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt(10));
        }
        model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena);
        model.parameters().forEach(p -> p.grad().fill(1e-3));
        adam = Optimizer.adam(1e-6);
        mnist = MnistDirectory.load(Path.of(dataDir));
        batches = Batches.over(mnist.train(), batch).seed(1).dropLast(true).build();
        if (threads > 1) {
            split = new SplitKernels(threads, minElements);
            bound = split.bind();
        }
        ActivationKernels.biasActivation(Activation.RELU, Z, b, A);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (split != null) {
            bound.close();
            split.close();
        }
        batches.close();
        mnist.close();
        adam.close();
        model.close();
        arena.close();
    }

    @Benchmark
    public Tensor biasRelu() {
        ActivationKernels.biasActivation(Activation.RELU, Z, b, A);
        return A;
    }

    @Benchmark
    public Tensor reluBackward() {
        ActivationKernels.activationBackward(Activation.RELU, dZ, A, Z);
        return Z;
    }

    @Benchmark
    public double softmaxCrossEntropy() {
        return SoftmaxKernels.softmaxCrossEntropy(logits, labels, dLogits);
    }

    @Benchmark
    public int adam() {
        return adam.step(model.parameters());
    }

    @Benchmark
    public Batch gather() {
        return batches.next();
    }

    private static Tensor random(Arena arena, SplittableRandom random, int rows, int cols) {
        Tensor t = Tensor.allocate(arena, DType.F32, rows, cols);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextDouble() * 2 - 1);
        }
        return t;
    }
}

package dev.gatun.bench;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.Targets;
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

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One training step of the course network 784-256-128-10 (ReLU, softmax cross-entropy, He, Adam) on a fixed
 * batch — forward, loss, backward, Adam — next to {@code sgemmOnly}: the same eight matrix products with the same
 * shapes and transposes and nothing else. {@code sgemmOnly / step} is the share of the step spent in sgemm (target:
 * >= 80% at batch 1024); what is left is the Java kernels and the downcalls. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} of {@code step} should be ≈ 0 B/op. Set BLAS threads with {@code -jvmArgsPrepend
 * -Dgatun.threads=N}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class TrainStepBench {
    @Param({"32", "128", "1024"})
    public int batch;

    private Arena arena;
    private Model model;
    private Optimizer adam;
    private Tensor X;
    private Targets y;
    // sgemmOnly's operands: activations and their gradients, weights and their gradients.
    private Tensor W1, W2, W3, dW1, dW2, dW3, Z1, Z2, Z3, dZ1, dZ2, dZ3;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(1).build(arena);
        adam = Optimizer.adam(1e-4);
        SplittableRandom random = new SplittableRandom(7);
        X = Tensor.allocate(arena, DType.F32, batch, 784);
        for (long k = 0; k < X.size(); k++) {
            X.set(k, random.nextDouble());
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        y = Targets.labels(arena, labels);
        W1 = Tensor.allocate(arena, DType.F32, 256, 784).fill(0.01);
        W2 = Tensor.allocate(arena, DType.F32, 128, 256).fill(0.01);
        W3 = Tensor.allocate(arena, DType.F32, 10, 128).fill(0.01);
        dW1 = Tensor.allocate(arena, DType.F32, 256, 784);
        dW2 = Tensor.allocate(arena, DType.F32, 128, 256);
        dW3 = Tensor.allocate(arena, DType.F32, 10, 128);
        Z1 = Tensor.allocate(arena, DType.F32, batch, 256).fill(0.5);
        Z2 = Tensor.allocate(arena, DType.F32, batch, 128).fill(0.5);
        Z3 = Tensor.allocate(arena, DType.F32, batch, 10);
        dZ1 = Tensor.allocate(arena, DType.F32, batch, 256);
        dZ2 = Tensor.allocate(arena, DType.F32, batch, 128);
        dZ3 = Tensor.allocate(arena, DType.F32, batch, 10).fill(0.1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        adam.close();
        model.close();
        arena.close();
    }

    @Benchmark
    public double step() {
        double cost = model.computeGradients(X, y);
        adam.step(model.parameters());
        return cost;
    }

    /** The products of one step: Z = A·Wᵀ forward; dW = dZᵀ·A and dA = dZ·W backward (no dA for the input). */
    @Benchmark
    public Tensor sgemmOnly() {
        Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1, X, W1, 0, Z1);
        Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1, Z1, W2, 0, Z2);
        Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1, Z2, W3, 0, Z3);
        Blas.gemm(Transpose.TRANSPOSED, Transpose.NONE, 1, dZ3, Z2, 0, dW3);
        Blas.gemm(Transpose.NONE, Transpose.NONE, 1, dZ3, W3, 0, dZ2);
        Blas.gemm(Transpose.TRANSPOSED, Transpose.NONE, 1, dZ2, Z1, 0, dW2);
        Blas.gemm(Transpose.NONE, Transpose.NONE, 1, dZ2, W2, 0, dZ1);
        Blas.gemm(Transpose.TRANSPOSED, Transpose.NONE, 1, dZ1, X, 0, dW1);
        return dW1;
    }
}

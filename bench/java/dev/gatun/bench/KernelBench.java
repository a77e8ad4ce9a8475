package dev.gatun.bench;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.BatchNormKernels;
import dev.gatun.kernels.DropoutKernels;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.LossKernels;
import dev.gatun.kernels.ReductionKernels;
import dev.gatun.kernels.RegularizationKernels;
import dev.gatun.kernels.SoftmaxKernels;
import dev.gatun.kernels.vector.FastExp;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
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

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Each Java kernel of the training step on 1M float32 values (two shapes: 1000×1000, and 100000×10 like a classifier's output),
 * next to a plain segment copy of the same size measured in the same run, and next to its scalar twin
 * ({@code impl=scalar}; the twins compute in double through Tensor.get/set, as the tests' oracle does).
 *
 * <p>Throughput in GB/s: each benchmark adds the bytes it must move (reads + writes of the 1M-element operands)
 * to the {@code bytes} counter, which JMH reports per second next to ops/s; bytes/s ÷ 1e9 = GB/s. The target:
 * {@code biasRelu} and {@code softmaxCrossEntropy} at >= 70% of {@code copy}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class KernelBench {
    private static final KernelProvider SCALAR = KernelProvider.scalar();

    /** Bytes moved per call, summed; JMH prints it as a rate (bytes per second). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Param({"1000x1000", "100000x10"})
    public String shape;

    /** The Vector API kernel, or its scalar twin. */
    @Param({"vector", "scalar"})
    public String impl;

    private boolean vector;

    private Arena arena;
    private long rows;
    private long cols;
    /** Bytes of one 1M-element float32 operand. */
    private long operand;
    private Tensor Z;
    private Tensor A;
    private Tensor out;
    private Tensor out2;
    private Tensor Y;
    private Tensor b;
    private Tensor column1;
    private Tensor column2;
    private Tensor column3;
    private Tensor column4;
    private MemorySegment labels;

    @Setup
    public void setup() {
        String[] dims = shape.split("x");
        rows = Long.parseLong(dims[0]);
        cols = Long.parseLong(dims[1]);
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(1);
        Z = random(random, rows, cols);
        A = random(random, rows, cols);
        out = Tensor.allocate(arena, DType.F32, rows, cols);
        out2 = Tensor.allocate(arena, DType.F32, rows, cols);
        Y = Tensor.allocate(arena, DType.F32, rows, cols);
        for (long k = 0; k < Y.size(); k++) {
            Y.set(k, random.nextInt(2));
        }
        b = random(random, cols);
        column1 = random(random, cols);
        column2 = random(random, cols);
        column3 = random(random, cols);
        column4 = Tensor.allocate(arena, DType.F32, cols).fill(1.0);
        labels = arena.allocate(ValueLayout.JAVA_INT, rows);
        for (long i = 0; i < rows; i++) {
            labels.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt((int) cols));
        }
        ActivationKernels.activate(Activation.RELU, A, A);
        operand = Z.byteSize();
        vector = impl.equals("vector");
    }

    private Tensor random(SplittableRandom random, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.F32, dims);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextGaussian());
        }
        return t;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    // ------------------------------------------------------------ the yardstick: read 1M floats, write 1M floats

    @Benchmark
    public void copy(Traffic t) {
        MemorySegment.copy(Z.segment(), 0, out.segment(), 0, operand);
        t.bytes += 2 * operand;
    }

    /**
     * The ceiling for every kernel with one exp per element (softmax, sigmoid, their losses): out = exp(Z) and
     * nothing else, with the kernels' own {@link FastExp}; the scalar twin uses Math.exp in double, as the scalar
     * twins of the exp kernels do.
     */
    @Benchmark
    public void expOnly(Traffic t) {
        MemorySegment in = Z.segment();
        MemorySegment to = out.segment();
        if (vector) {
            VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
            long step = 4L * species.length();
            long end = operand - operand % step;
            long at = 0;
            for (; at < end; at += step) {
                FastExp.exp(FloatVector.fromMemorySegment(species, in, at, ByteOrder.nativeOrder()))
                        .intoMemorySegment(to, at, ByteOrder.nativeOrder());
            }
            for (; at < operand; at += 4) {
                to.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, FastExp.exp(in.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at)));
            }
        } else {
            for (long at = 0; at < operand; at += 4) {
                to.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) Math.exp(in.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at)));
            }
        }
        t.bytes += 2 * operand;
    }

    // ------------------------------------------------------------ activations: A = g(Z + b); dZ = dA ⊙ g'(A)

    @Benchmark
    public void biasRelu(Traffic t) {
        biasActivation(Activation.RELU);
        t.bytes += 2 * operand;
    }

    @Benchmark
    public void biasSigmoid(Traffic t) {
        biasActivation(Activation.SIGMOID);
        t.bytes += 2 * operand;
    }

    private void biasActivation(Activation g) {
        if (vector) {
            ActivationKernels.biasActivation(g, Z, b, out);
        } else {
            SCALAR.activations().biasActivation(g, Z, b, out);
        }
    }

    @Benchmark
    public void reluBackward(Traffic t) {
        activationBackward(Activation.RELU);
        t.bytes += 3 * operand;
    }

    @Benchmark
    public void tanhBackward(Traffic t) {
        activationBackward(Activation.TANH);
        t.bytes += 3 * operand;
    }

    private void activationBackward(Activation g) {
        if (vector) {
            ActivationKernels.activationBackward(g, Z, A, out);
        } else {
            SCALAR.activations().activationBackward(g, Z, A, out);
        }
    }

    // ------------------------------------------------------------ losses: read the logits (and targets), write dZ

    @Benchmark
    public double softmaxCrossEntropy(Traffic t) {
        t.bytes += 2 * operand;
        return vector ? SoftmaxKernels.softmaxCrossEntropy(Z, labels, out) : SCALAR.softmax().softmaxCrossEntropy(Z, labels, out);
    }

    @Benchmark
    public void softmax(Traffic t) {
        if (vector) {
            SoftmaxKernels.softmax(Z, out);
        } else {
            SCALAR.softmax().softmax(Z, out);
        }
        t.bytes += 2 * operand;
    }

    @Benchmark
    public double sigmoidCrossEntropy(Traffic t) {
        t.bytes += 3 * operand;
        return vector ? LossKernels.sigmoidCrossEntropy(Z, Y, out) : SCALAR.losses().sigmoidCrossEntropy(Z, Y, out);
    }

    @Benchmark
    public double squaredError(Traffic t) {
        t.bytes += 3 * operand;
        return vector ? LossKernels.squaredError(Z, A, out) : SCALAR.losses().squaredError(Z, A, out);
    }

    // ------------------------------------------------------------ reductions and regularization

    @Benchmark
    public void columnSums(Traffic t) {
        if (vector) {
            ReductionKernels.columnSums(Z, 1.0 / rows, column1);
        } else {
            SCALAR.reductions().columnSums(Z, 1.0 / rows, column1);
        }
        t.bytes += operand;
    }

    @Benchmark
    public double sumSquares(Traffic t) {
        t.bytes += operand;
        return vector ? ReductionKernels.sumSquares(Z) : SCALAR.reductions().sumSquares(Z);
    }

    @Benchmark
    public double sumAbs(Traffic t) {
        t.bytes += operand;
        return vector ? ReductionKernels.sumAbs(Z) : SCALAR.reductions().sumAbs(Z);
    }

    @Benchmark
    public void l2Gradient(Traffic t) {
        if (vector) {
            RegularizationKernels.addScaled(out, Z, 1e-6);
        } else {
            SCALAR.regularization().addScaled(out, Z, 1e-6);
        }
        t.bytes += 3 * operand;
    }

    @Benchmark
    public void l1Gradient(Traffic t) {
        if (vector) {
            RegularizationKernels.addScaledSign(out, Z, 1e-6);
        } else {
            SCALAR.regularization().addScaledSign(out, Z, 1e-6);
        }
        t.bytes += 3 * operand;
    }

    // ------------------------------------------------------------ dropout: draw + apply (read A, write M and D); backward

    @Benchmark
    public void dropoutForward(Traffic t) {
        if (vector) {
            DropoutKernels.forward(A, 0.8, 42, out, out2);
        } else {
            SCALAR.dropout().forward(A, 0.8, 42, out, out2);
        }
        t.bytes += 3 * operand;
    }

    @Benchmark
    public void dropoutBackward(Traffic t) {
        if (vector) {
            DropoutKernels.backward(Z, A, out);
        } else {
            SCALAR.dropout().backward(Z, A, out);
        }
        t.bytes += 3 * operand;
    }

    // ------------------------------------------------------------ batch norm

    @Benchmark
    public void batchNormMeanVariance(Traffic t) {
        if (vector) {
            BatchNormKernels.meanVariance(Z, column1, column2);
        } else {
            SCALAR.batchNorm().meanVariance(Z, column1, column2);
        }
        t.bytes += 2 * operand;
    }

    @Benchmark
    public void batchNormForward(Traffic t) {
        if (vector) {
            BatchNormKernels.normalize(Z, column1, column4, column2, column3, out, out2);
        } else {
            SCALAR.batchNorm().normalize(Z, column1, column4, column2, column3, out, out2);
        }
        t.bytes += 3 * operand;
    }

    /** Both passes: column sums of G and G⊙Ẑ (reads 2 operands), then dZ (reads 2, writes 1). */
    @Benchmark
    public void batchNormBackward(Traffic t) {
        if (vector) {
            BatchNormKernels.backwardSums(Z, A, column1, column2);
            BatchNormKernels.backwardInput(Z, A, column3, column4, column1, column2, out);
        } else {
            SCALAR.batchNorm().backwardSums(Z, A, column1, column2);
            SCALAR.batchNorm().backwardInput(Z, A, column3, column4, column1, column2, out);
        }
        t.bytes += 5 * operand;
    }
}

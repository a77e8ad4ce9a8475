package dev.gatun.bench;

import dev.gatun.nn.Parameter;
import dev.gatun.optim.Optimizer;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One optimizer step over a single parameter of {@code n} elements, next to a plain segment copy of the same
 * tensor: the copy is the bandwidth ceiling the fused updates are measured against (target: Adam >= 70%).
 *
 * <p>Bytes are counted as STREAM does, every element read or written once per pass: copy 2 tensors (read src,
 * write dst), SGD 3 (read W, dW; write W), momentum and RMSprop 5 (read W, dW, state; write state, W), Adam 7
 * (read W, dW, v, s; write v, s, W). The {@code bytes} secondary result is in bytes per second (JMH prints it as
 * ops/s): divide by 1e9 for GB/s. With {@code -prof gc}, {@code gc.alloc.rate.norm} should be ≈ 0 B/op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class OptimizerBench {
    /** Elements per tensor: 1M floats (4 MB a tensor) by default. */
    @Param({"1000000"})
    public int n;

    @Param({"F32"})
    public DType dtype;

    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;
    private long tensorBytes;
    private List<Parameter> params;
    private Optimizer sgd;
    private Optimizer momentum;
    private Optimizer rmsprop;
    private Optimizer adam;

    /** Bytes moved, reported by JMH as a rate next to the primary score. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        Tensor W = Tensor.allocate(arena, dtype, n).fill(0.5);
        Tensor dW = Tensor.allocate(arena, dtype, n);
        for (long i = 0; i < n; i++) {
            dW.set(i, (i % 2 == 0 ? 1 : -1) * (0.5 + (i % 7) / 7.0));
        }
        params = List.of(new Parameter("W", W, dW, true));
        source = dW.segment();
        target = Tensor.allocate(arena, dtype, n).segment();
        tensorBytes = W.byteSize();
        // A tiny α keeps W from drifting far over millions of steps, so no lane turns subnormal or infinite.
        sgd = Optimizer.sgd(1e-7);
        momentum = Optimizer.momentum(1e-7);
        rmsprop = Optimizer.rmsprop(1e-7);
        adam = Optimizer.adam(1e-7);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sgd.close();
        momentum.close();
        rmsprop.close();
        adam.close();
        arena.close();
    }

    @Benchmark
    public void copy(Traffic traffic) {
        MemorySegment.copy(source, 0, target, 0, tensorBytes);
        traffic.bytes += 2 * tensorBytes;
    }

    @Benchmark
    public void sgd(Traffic traffic) {
        sgd.step(params);
        traffic.bytes += 3 * tensorBytes;
    }

    @Benchmark
    public void momentum(Traffic traffic) {
        momentum.step(params);
        traffic.bytes += 5 * tensorBytes;
    }

    @Benchmark
    public void rmsprop(Traffic traffic) {
        rmsprop.step(params);
        traffic.bytes += 5 * tensorBytes;
    }

    @Benchmark
    public void adam(Traffic traffic) {
        adam.step(params);
        traffic.bytes += 7 * tensorBytes;
    }
}

package dev.gatun.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * float32 gemm {@code C = A·B} three ways: through Gatun's validating door ({@code Blas.gemm}), straight through
 * the generated binding ({@code cblas_h.cblas_sgemm}: the door's validation cost is the difference), and through
 * the naive Java loops ({@code Blas.referenceGemm}: what Java does without native BLAS).
 *
 * <p>Shapes: square n×n·n×n, and the MLP layer m×784 · 784×256 (a Fashion-MNIST batch of m images into 256
 * units). The score is nanoseconds per call; GFLOPS = 2·m·n·k / (ns per call), which is how
 * {@link GemmReport} converts it. The naive loops stop at n = 256: n = 1024 is 2.1 GFLOP per call at well under
 * 1 GFLOPS, seconds per call, and would stretch the run by minutes to say only "very slow".
 *
 * <p>The OpenBLAS thread count comes from {@code -Dgatun.threads=N} (pass it with {@code -jvmArgsAppend}); the
 * set-up fails if OpenBLAS does not run that many. The C program in bench/native makes the same calls.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class GemmBench {

    /** Operands made and checked once per trial, released after it. */
    public abstract static class Operands {
        GemmOperands gemm;

        abstract GemmOperands create();

        @Setup(Level.Trial)
        public void setUp() {
            gemm = create();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            gemm.close();
        }
    }

    @State(Scope.Thread)
    public static class Square extends Operands {
        @Param({"4", "16", "64", "256", "1024"})
        public int n;

        @Override
        GemmOperands create() {
            return GemmOperands.checkedNative(n, n, n);
        }
    }

    @State(Scope.Thread)
    public static class Mlp extends Operands {
        /** Batch size m of X (m×784) · W (784×256). */
        @Param({"1", "32", "128", "1024"})
        public int m;

        @Override
        GemmOperands create() {
            return GemmOperands.checkedNative(m, 256, 784);
        }
    }

    /** Its own parameter name, so that {@code -p n=1024} for the native runs never starts a naive n = 1024. */
    @State(Scope.Thread)
    public static class NaiveSquare extends Operands {
        @Param({"4", "16", "64", "256"})
        public int naiveN;

        @Override
        GemmOperands create() {
            GemmOperands gemm = new GemmOperands(naiveN, naiveN, naiveN);
            gemm.check(gemm::naive, "Blas.referenceGemm");
            return gemm;
        }
    }

    @Benchmark
    public Tensor squareDoor(Square s) {
        s.gemm.door();
        return s.gemm.C;
    }

    @Benchmark
    public Tensor squareDirect(Square s) {
        s.gemm.direct();
        return s.gemm.C;
    }

    @Benchmark
    public Tensor squareNaive(NaiveSquare s) {
        s.gemm.naive();
        return s.gemm.C;
    }

    @Benchmark
    public Tensor mlpDoor(Mlp s) {
        s.gemm.door();
        return s.gemm.C;
    }

    @Benchmark
    public Tensor mlpDirect(Mlp s) {
        s.gemm.direct();
        return s.gemm.C;
    }
}

package dev.gatun.bench;

import dev.gatun.tensor.Tensor;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
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
 * One gemm {@code C = A·Bᵀ} (row-major, B stored n×k, see {@link GemmOperands}) along every Java call path:
 * <ul>
 *   <li>{@code door}: Gatun's validating door, {@code Blas.gemm}, on the library -Dgatun.blas.library names;</li>
 *   <li>{@code raw}: the generated binding {@code cblas_h.cblas_sgemm}/{@code cblas_dgemm} on the same library and
 *       segments, no checks (the door's cost is the difference);</li>
 *   <li>{@code bytedeco}: bytedeco's JavaCPP OpenBLAS on the same off-heap memory ({@link BytedecoGemm});</li>
 *   <li>{@code jniblas}: dev.ludovic.netlib's JNIBLAS, as Spark calls it, on Java arrays ({@link NetlibGemm});</li>
 *   <li>{@code vectorblas}: dev.ludovic.netlib's Java BLAS on the Vector API, single-threaded.</li>
 * </ul>
 * Params: {@code shape} MxNxK and {@code precision} f32 or f64. The score is nanoseconds per call; GFLOPS =
 * 2·m·n·k / (ns per call). Every path's result is checked against dot products in double before it is timed.
 *
 * <p>bench/gemm-report runs it once per library, kernel set and thread count, with the library's environment
 * (OPENBLAS_CORETYPE, BLIS_ARCH_TYPE, its thread variables) set for this JVM and its forks, and
 * {@code -Dgatun.threads=N}, which the door and bytedeco's peer check they run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class GemmBench {

    /** The operands of one trial, released after it; each path's state checks its own result first. */
    @State(Scope.Thread)
    public static class Operands {
        @Param({"4x4x4", "64x64x64", "256x256x256", "1024x1024x1024", "1024x256x784"})
        public String shape;

        @Param({"f32", "f64"})
        public String precision;

        GemmOperands gemm;

        @Setup(Level.Trial)
        public void setUp() {
            gemm = new GemmOperands(shape, precision);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            gemm.close();
        }
    }

    /** The door and the raw binding on the library -Dgatun.blas.library loaded, both checked. */
    @State(Scope.Thread)
    public static class Native {
        @Setup(Level.Trial)
        public void setUp(Operands o) {
            GemmOperands.requireNativeBlas();
            o.gemm.check(o.gemm::door, "Blas.gemm");
            o.gemm.check(o.gemm::raw, "cblas_h binding");
        }
    }

    @State(Scope.Thread)
    public static class Bytedeco {
        BytedecoGemm peer;

        @Setup(Level.Trial)
        public void setUp(Operands o) {
            peer = new BytedecoGemm(o.gemm);
            o.gemm.check(peer::run, "bytedeco openblas");
            LoadedLibraries.report("bytedeco");
        }
    }

    @State(Scope.Thread)
    public static class Jniblas {
        NetlibGemm peer;

        @Setup(Level.Trial)
        public void setUp(Operands o) {
            peer = new NetlibGemm(NativeBLAS.getInstance(), o.gemm);  // JNIBLAS, its one NativeBLAS
            peer.fillResult(Double.NaN);
            o.gemm.check(peer::run, "netlib JNIBLAS", peer::at);
            LoadedLibraries.report("jniblas");
        }
    }

    @State(Scope.Thread)
    public static class Vectorblas {
        NetlibGemm peer;

        @Setup(Level.Trial)
        public void setUp(Operands o) {
            JavaBLAS blas = JavaBLAS.getInstance();
            if (!blas.getClass().getSimpleName().equals("VectorBLAS")) {
                throw new IllegalStateException("netlib's JavaBLAS is " + blas.getClass().getName()
                        + ", not VectorBLAS: the JVM lacks --add-modules=jdk.incubator.vector");
            }
            peer = new NetlibGemm(blas, o.gemm);
            peer.fillResult(Double.NaN);
            o.gemm.check(peer::run, "netlib VectorBLAS", peer::at);
        }
    }

    @Benchmark
    public Tensor door(Operands o, Native library) {
        o.gemm.door();
        return o.gemm.C;
    }

    @Benchmark
    public Tensor raw(Operands o, Native library) {
        o.gemm.raw();
        return o.gemm.C;
    }

    @Benchmark
    public Tensor bytedeco(Operands o, Bytedeco path) {
        path.peer.run();
        return o.gemm.C;
    }

    @Benchmark
    public NetlibGemm jniblas(Operands o, Jniblas path) {
        path.peer.run();
        return path.peer;
    }

    @Benchmark
    public NetlibGemm vectorblas(Operands o, Vectorblas path) {
        path.peer.run();
        return path.peer;
    }
}

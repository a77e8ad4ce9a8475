package dev.gatun.bench;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.bindings.openblas.cblas_h;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * The operands of one product {@code C(m×n) = A(m×k)·Bᵀ} with B stored n×k (row-major, B transposed: a dense
 * layer's forward product), in float32 or float64, allocated once per trial and checked before they are timed: a
 * call path that computes the wrong thing quickly must fail, not report. The C program in bench/native makes the
 * same product.
 *
 * <p>The arena is confined, as a training step's workspace is: JMH runs a thread-scoped state's set-up and
 * tear-down on the benchmark thread. A shared arena would add an atomic acquire/release to every downcall, a
 * different (and larger) per-call cost than the one training pays.
 */
final class GemmOperands implements AutoCloseable {
    static final int ROW_MAJOR = cblas_h.CblasRowMajor();
    static final int NO_TRANS = cblas_h.CblasNoTrans();
    static final int TRANS = cblas_h.CblasTrans();

    /** Reads entry (i, j) of a path's result C, wherever that path keeps it. */
    interface Entries {
        double at(int i, int j);
    }

    final int m;
    final int n;
    final int k;
    final DType dtype;
    final Arena arena = Arena.ofConfined();
    final Tensor A;
    final Tensor B;
    final Tensor C;

    GemmOperands(String shape, String precision) {
        String[] mnk = shape.split("x");
        if (mnk.length != 3) {
            throw new IllegalArgumentException("shape '" + shape + "' is not MxNxK");
        }
        m = Integer.parseInt(mnk[0]);
        n = Integer.parseInt(mnk[1]);
        k = Integer.parseInt(mnk[2]);
        dtype = switch (precision) {
            case "f32" -> DType.F32;
            case "f64" -> DType.F64;
            default -> throw new IllegalArgumentException("precision '" + precision + "' is neither f32 nor f64");
        };
        SplittableRandom random = new SplittableRandom(m * 31L + n * 17L + k);
        A = random(random, m, k);
        B = random(random, n, k);
        C = Tensor.allocate(arena, dtype, m, n);
    }

    /** Floating-point operations per call: k multiplies and k adds for each of the m·n outputs. */
    double flops() {
        return 2.0 * m * n * k;
    }

    /** C through Gatun's validating door. */
    void door() {
        Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1, A, B, 0, C);
    }

    /** The same product straight through the generated binding: no validation, no dtype dispatch. */
    void raw() {
        if (dtype == DType.F32) {
            cblas_h.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, A.segment(), k, B.segment(), k, 0f,
                    C.segment(), n);
        } else {
            cblas_h.cblas_dgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1, A.segment(), k, B.segment(), k, 0,
                    C.segment(), n);
        }
    }

    /** Runs {@code product} once on a NaN-filled C and compares a sample of C with dot products computed here in double. */
    void check(Runnable product, String name) {
        C.fill(Float.NaN);
        check(product, name, C::get);
    }

    /** As {@link #check(Runnable, String)}, for a path that keeps its result elsewhere. */
    void check(Runnable product, String name, Entries result) {
        product.run();
        double tolerance = dtype == DType.F32 ? 1e-5 : 1e-12;
        SplittableRandom random = new SplittableRandom(7);
        for (int sample = 0; sample < 32; sample++) {
            int i = random.nextInt(m);
            int j = random.nextInt(n);
            double expected = 0;
            double magnitude = 0;
            for (int p = 0; p < k; p++) {
                double term = A.get(i, p) * B.get(j, p);
                expected += term;
                magnitude += Math.abs(term);
            }
            double actual = result.at(i, j);
            if (!(Math.abs(actual - expected) <= tolerance * magnitude + 1e-30)) {
                throw new IllegalStateException(name + " " + dtype + " " + m + "x" + k + " · (" + n + "x" + k + ")ᵀ: C["
                        + i + "][" + j + "] = " + actual + ", expected " + expected);
            }
        }
    }

    /**
     * The door and the binding must measure the native library (not the Java reference picked by -Dgatun.blas=java),
     * with the thread count that was asked for (where the library can tell: 0 means it has no thread call and reads
     * its environment, which bench/gemm-report sets); loading it through the door also makes the binding's symbols
     * resolvable.
     */
    static void requireNativeBlas() {
        String backend = Blas.info().backend();
        if (backend.equals("java")) {
            throw new IllegalStateException("GemmBench measures a native BLAS, but the BLAS backend is " + backend);
        }
        int wanted = requestedThreads();
        if (wanted > 0 && Blas.threads() > 0 && wanted != Blas.threads()) {
            throw new IllegalStateException("-D" + Blas.THREADS_PROPERTY + "=" + wanted + " but the BLAS runs "
                    + Blas.threads() + " threads");
        }
    }

    /** The thread count bench/gemm-report asked for with -Dgatun.threads, or 0 when none was. */
    static int requestedThreads() {
        String wanted = System.getProperty(Blas.THREADS_PROPERTY);
        return wanted == null ? 0 : Integer.parseInt(wanted.strip());
    }

    private Tensor random(SplittableRandom random, long rows, long cols) {
        Tensor t = Tensor.allocate(arena, dtype, rows, cols);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, random.nextDouble(-1, 1));
        }
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}

package dev.gatun.bench;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.bindings.openblas.cblas_h;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * The operands of one float32 product {@code C(m×n) = A(m×k)·B(k×n)}, allocated once per trial and checked
 * before they are timed: a benchmark that computes the wrong thing quickly must fail, not report.
 *
 * <p>The arena is confined, as a training step's workspace is: JMH runs a thread-scoped state's
 * set-up and tear-down on the benchmark thread. A shared arena would add an atomic acquire/release to every
 * downcall, a different (and larger) per-call cost than the one training pays.
 */
final class GemmOperands implements AutoCloseable {
    static final int ROW_MAJOR = cblas_h.CblasRowMajor();
    static final int NO_TRANS = cblas_h.CblasNoTrans();

    final int m;
    final int n;
    final int k;
    final Arena arena = Arena.ofConfined();
    final Tensor A;
    final Tensor B;
    final Tensor C;

    GemmOperands(int m, int n, int k) {
        this.m = m;
        this.n = n;
        this.k = k;
        requireNativeBlas();
        SplittableRandom random = new SplittableRandom(m * 31L + n * 17L + k);
        A = random(random, m, k);
        B = random(random, k, n);
        C = Tensor.allocate(arena, DType.F32, m, n);
        if (A.dim(1) != B.dim(0) || C.dim(0) != A.dim(0) || C.dim(1) != B.dim(1)) {
            throw new IllegalStateException("GemmOperands: A " + A.shapeString() + " · B " + B.shapeString()
                    + " does not give C " + C.shapeString());
        }
    }

    /** Operands whose door and direct-binding products have both been checked. */
    static GemmOperands checkedNative(int m, int n, int k) {
        GemmOperands gemm = new GemmOperands(m, n, k);
        gemm.check(gemm::door, "Blas.gemm");
        gemm.check(gemm::direct, "cblas_sgemm");
        return gemm;
    }

    /** C through the validating door. */
    void door() {
        Blas.gemm(Transpose.NONE, Transpose.NONE, 1, A, B, 0, C);
    }

    /** The same product straight through the generated binding: no validation, no dtype dispatch. */
    void direct() {
        cblas_h.cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1f, A.segment(), k, B.segment(), n, 0f,
                C.segment(), n);
    }

    /** The naive Java loops behind {@link Blas#referenceGemm}. */
    void naive() {
        Blas.referenceGemm(Transpose.NONE, Transpose.NONE, 1, A, B, 0, C);
    }

    /** Runs {@code product} once and compares a sample of C with dot products computed here in double. */
    void check(Runnable product, String name) {
        C.fill(Float.NaN);
        product.run();
        SplittableRandom random = new SplittableRandom(7);
        for (int sample = 0; sample < 32; sample++) {
            int i = random.nextInt(m);
            int j = random.nextInt(n);
            double expected = 0;
            double magnitude = 0;
            for (int p = 0; p < k; p++) {
                double term = A.get(i, p) * B.get(p, j);
                expected += term;
                magnitude += Math.abs(term);
            }
            double actual = C.get(i, j);
            if (!(Math.abs(actual - expected) <= 1e-5 * magnitude + 1e-30)) {
                throw new IllegalStateException(name + " " + m + "x" + k + " · " + k + "x" + n + ": C[" + i + "][" + j
                        + "] = " + actual + ", expected " + expected);
            }
        }
    }

    /**
     * The benchmarks must measure the native BLAS (not the Java reference picked by -Dgatun.blas=java), with the thread
     * count that was asked for; loading it through the door also makes the generated binding's symbols resolvable.
     */
    private static void requireNativeBlas() {
        String backend = Blas.info().backend();
        if (backend.equals("java")) {
            throw new IllegalStateException("GemmBench measures a native BLAS, but the BLAS backend is " + backend);
        }
        String wanted = System.getProperty(Blas.THREADS_PROPERTY);
        if (wanted != null && Integer.parseInt(wanted.strip()) != Blas.threads()) {
            throw new IllegalStateException("-D" + Blas.THREADS_PROPERTY + "=" + wanted + " but the BLAS runs "
                    + Blas.threads() + " threads");
        }
    }

    private Tensor random(SplittableRandom random, long rows, long cols) {
        Tensor t = Tensor.allocate(arena, DType.F32, rows, cols);
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

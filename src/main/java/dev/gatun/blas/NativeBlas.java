package dev.gatun.blas;

import dev.gatun.bindings.openblas.cblas_h;
import dev.gatun.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A CBLAS library (OpenBLAS, BLIS, the reference BLAS, ...) through the jextract bindings; its version, kernels and
 * threads through its family's own calls ({@link LibraryControls}). Only {@link Blas} calls this, after validating
 * every argument.
 */
final class NativeBlas implements BlasBackend {
    private static final int ROW_MAJOR = cblas_h.CblasRowMajor();
    private static final int NO_TRANS = cblas_h.CblasNoTrans();
    private static final int TRANS = cblas_h.CblasTrans();

    private final Path libraryPath;
    private final LibraryControls controls;

    NativeBlas(BlasLibrary.Loaded library) {
        this.libraryPath = library.path();
        this.controls = LibraryControls.of(library.symbols());
    }

    Path libraryPath() {
        return libraryPath;
    }

    /** A 2x2 sgemm against its known product: the library's symbols resolve and its kernel runs on this CPU. */
    boolean multipliesCorrectly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 5, 6, 7, 8);
            MemorySegment c = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
            gemm(DType.F32, false, false, 2, 2, 2, 1.0, a, 2, b, 2, 0.0, c, 2);
            float[] product = c.toArray(ValueLayout.JAVA_FLOAT);
            return Arrays.equals(product, new float[] {19, 22, 43, 50});
        }
    }

    @Override
    public String name() {
        return controls.family();
    }

    private static int op(boolean transposed) {
        return transposed ? TRANS : NO_TRANS;
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc) {
        if (dtype == DType.F32) {
            cblas_h.cblas_sgemm(ROW_MAJOR, op(transA), op(transB), m, n, k, (float) alpha, a, lda, b, ldb, (float) beta, c, ldc);
        } else {
            cblas_h.cblas_dgemm(ROW_MAJOR, op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    @Override
    public void gemv(DType dtype, boolean trans, int m, int n, double alpha, MemorySegment a, int lda,
                     MemorySegment x, double beta, MemorySegment y) {
        if (dtype == DType.F32) {
            cblas_h.cblas_sgemv(ROW_MAJOR, op(trans), m, n, (float) alpha, a, lda, x, 1, (float) beta, y, 1);
        } else {
            cblas_h.cblas_dgemv(ROW_MAJOR, op(trans), m, n, alpha, a, lda, x, 1, beta, y, 1);
        }
    }

    @Override
    public void axpy(DType dtype, int n, double alpha, MemorySegment x, MemorySegment y) {
        if (dtype == DType.F32) {
            cblas_h.cblas_saxpy(n, (float) alpha, x, 1, y, 1);
        } else {
            cblas_h.cblas_daxpy(n, alpha, x, 1, y, 1);
        }
    }

    @Override
    public void scal(DType dtype, int n, double alpha, MemorySegment x) {
        if (dtype == DType.F32) {
            cblas_h.cblas_sscal(n, (float) alpha, x, 1);
        } else {
            cblas_h.cblas_dscal(n, alpha, x, 1);
        }
    }

    @Override
    public double dot(DType dtype, int n, MemorySegment x, MemorySegment y) {
        return dtype == DType.F32 ? cblas_h.cblas_sdot(n, x, 1, y, 1) : cblas_h.cblas_ddot(n, x, 1, y, 1);
    }

    @Override
    public int threads() {
        return controls.threads().get().getAsInt();
    }

    @Override
    public boolean threadsSettable() {
        return controls.threads().settable();
    }

    @Override
    public void setThreads(int threads) {
        controls.threads().set().accept(threads);
    }

    @Override
    public BlasInfo info() {
        return new BlasInfo(name(), libraryPath.toString(), controls.version(), controls.kernels(), threads(),
                controls.threads().describe());
    }
}

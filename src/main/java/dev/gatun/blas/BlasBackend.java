package dev.gatun.blas;

import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * What a BLAS implementation must do once {@link Blas} has validated the call: every argument here is already
 * known to be consistent, in range and alive. Row-major throughout; vectors are contiguous (increment 1).
 */
interface BlasBackend {
    String name();

    void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
              MemorySegment a, int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc);

    void gemv(DType dtype, boolean trans, int m, int n, double alpha, MemorySegment a, int lda,
              MemorySegment x, double beta, MemorySegment y);

    void axpy(DType dtype, int n, double alpha, MemorySegment x, MemorySegment y);

    void scal(DType dtype, int n, double alpha, MemorySegment x);

    double dot(DType dtype, int n, MemorySegment x, MemorySegment y);

    int threads();

    void setThreads(int threads);

    /** Whether {@link #setThreads} changes the count, rather than warning that only the environment can. */
    default boolean threadsSettable() {
        return true;
    }

    /** Library path, build configuration and detected core, for logs and {@code gatun info}. */
    BlasInfo info();
}

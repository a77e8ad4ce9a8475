package dev.gatun.blas;

import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Stands in when no BLAS could be loaded, so the failure is the same clear exception on every call instead
 * of a class that failed to initialise (which the JVM reports as NoClassDefFoundError from then on).
 */
final class UnavailableBlas implements BlasBackend {
    private final BlasUnavailableException cause;

    UnavailableBlas(BlasUnavailableException cause) {
        this.cause = cause;
    }

    private BlasUnavailableException fail() {
        return new BlasUnavailableException(cause.getMessage(), cause);
    }

    @Override
    public String name() {
        return "unavailable";
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc) {
        throw fail();
    }

    @Override
    public void gemv(DType dtype, boolean trans, int m, int n, double alpha, MemorySegment a, int lda,
                     MemorySegment x, double beta, MemorySegment y) {
        throw fail();
    }

    @Override
    public void axpy(DType dtype, int n, double alpha, MemorySegment x, MemorySegment y) {
        throw fail();
    }

    @Override
    public void scal(DType dtype, int n, double alpha, MemorySegment x) {
        throw fail();
    }

    @Override
    public double dot(DType dtype, int n, MemorySegment x, MemorySegment y) {
        throw fail();
    }

    @Override
    public int threads() {
        throw fail();
    }

    @Override
    public void setThreads(int threads) {
        throw fail();
    }

    @Override
    public BlasInfo info() {
        throw fail();
    }
}

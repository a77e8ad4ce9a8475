package dev.gatun.blas;

import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The naive reference: plain loops with double accumulation. Tests use it as the oracle for OpenBLAS, and
 * {@code -Dgatun.blas=java} selects it explicitly (50-100x slower; never chosen silently).
 */
final class JavaBlas implements BlasBackend {
    @Override
    public String name() {
        return "java";
    }

    private static double load(DType dtype, MemorySegment s, long i) {
        return dtype == DType.F32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    private static void store(DType dtype, MemorySegment s, long i, double v) {
        if (dtype == DType.F32) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
        } else {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
        }
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double aip = load(dtype, a, transA ? (long) p * lda + i : (long) i * lda + p);
                    double bpj = load(dtype, b, transB ? (long) j * ldb + p : (long) p * ldb + j);
                    sum += aip * bpj;
                }
                long ci = (long) i * ldc + j;
                // BLAS semantics: with beta == 0, C is write-only (a NaN already in C must not leak through).
                double prior = beta == 0 ? 0 : beta * load(dtype, c, ci);
                store(dtype, c, ci, alpha * sum + prior);
            }
        }
    }

    @Override
    public void gemv(DType dtype, boolean trans, int m, int n, double alpha, MemorySegment a, int lda,
                     MemorySegment x, double beta, MemorySegment y) {
        int outLength = trans ? n : m;
        int inLength = trans ? m : n;
        for (int i = 0; i < outLength; i++) {
            double sum = 0;
            for (int j = 0; j < inLength; j++) {
                double aij = load(dtype, a, trans ? (long) j * lda + i : (long) i * lda + j);
                sum += aij * load(dtype, x, j);
            }
            double prior = beta == 0 ? 0 : beta * load(dtype, y, i);
            store(dtype, y, i, alpha * sum + prior);
        }
    }

    @Override
    public void axpy(DType dtype, int n, double alpha, MemorySegment x, MemorySegment y) {
        for (int i = 0; i < n; i++) {
            store(dtype, y, i, alpha * load(dtype, x, i) + load(dtype, y, i));
        }
    }

    @Override
    public void scal(DType dtype, int n, double alpha, MemorySegment x) {
        for (int i = 0; i < n; i++) {
            store(dtype, x, i, alpha * load(dtype, x, i));
        }
    }

    @Override
    public double dot(DType dtype, int n, MemorySegment x, MemorySegment y) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += load(dtype, x, i) * load(dtype, y, i);
        }
        return sum;
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void setThreads(int threads) {
        // The reference runs on the calling thread only.
    }

    @Override
    public BlasInfo info() {
        return new BlasInfo(name(), "(none: naive Java loops, -Dgatun.blas=java)", "java reference", "java", 1,
                "none: the calling thread");
    }
}

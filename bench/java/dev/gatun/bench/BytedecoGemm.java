package dev.gatun.bench;

import dev.gatun.tensor.DType;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * A JNI peer: the same product through bytedeco's JavaCPP binding of its own bundled OpenBLAS
 * ({@code openblas.cblas_sgemm}/{@code cblas_dgemm}), on pointers to the operands' off-heap memory (no copy), as a
 * JavaCPP user with native buffers calls it. Thread count: its {@code blas_set_num_threads}, checked.
 */
final class BytedecoGemm {
    private final GemmOperands gemm;
    private final FloatPointer fa;
    private final FloatPointer fb;
    private final FloatPointer fc;
    private final DoublePointer da;
    private final DoublePointer db;
    private final DoublePointer dc;

    BytedecoGemm(GemmOperands gemm) {
        this.gemm = gemm;
        int threads = GemmOperands.requestedThreads();
        if (threads > 0) {
            openblas.blas_set_num_threads(threads);
            if (openblas.blas_get_num_threads() != threads) {
                throw new IllegalStateException("bytedeco's OpenBLAS runs " + openblas.blas_get_num_threads()
                        + " threads, asked for " + threads);
            }
        }
        boolean single = gemm.dtype == DType.F32;
        fa = single ? new FloatPointer(buffer(gemm.A.segment()).asFloatBuffer()) : null;
        fb = single ? new FloatPointer(buffer(gemm.B.segment()).asFloatBuffer()) : null;
        fc = single ? new FloatPointer(buffer(gemm.C.segment()).asFloatBuffer()) : null;
        da = single ? null : new DoublePointer(buffer(gemm.A.segment()).asDoubleBuffer());
        db = single ? null : new DoublePointer(buffer(gemm.B.segment()).asDoubleBuffer());
        dc = single ? null : new DoublePointer(buffer(gemm.C.segment()).asDoubleBuffer());
    }

    void run() {
        int m = gemm.m, n = gemm.n, k = gemm.k;
        if (fa != null) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, n, k, 1f, fa, k,
                    fb, k, 0f, fc, n);
        } else {
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, n, k, 1, da, k,
                    db, k, 0, dc, n);
        }
    }

    private static java.nio.ByteBuffer buffer(MemorySegment segment) {
        return segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }
}

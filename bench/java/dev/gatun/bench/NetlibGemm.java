package dev.gatun.bench;

import dev.gatun.tensor.DType;
import dev.ludovic.netlib.blas.BLAS;

/**
 * A peer as Spark calls BLAS: dev.ludovic.netlib's Fortran-style API on Java arrays, either JNIBLAS (JNI into a
 * native Fortran BLAS: {@code libblas.so.3} by default, or the file -Ddev.ludovic.netlib.blas.nativeLibPath names)
 * or its Vector API Java BLAS. The API is column-major, so the row-major product {@code C = A·Bᵀ} (B stored n×k)
 * is the column-major {@code Cᵀ(n×m) = B·Aᵀ}: {@code gemm("T", "N", n, m, k, 1, B, k, A, k, 0, C, n)} on the same
 * row-major arrays.
 */
final class NetlibGemm {
    private final BLAS blas;
    private final int m;
    private final int n;
    private final int k;
    private final float[] fa;
    private final float[] fb;
    private final float[] fc;
    private final double[] da;
    private final double[] db;
    private final double[] dc;

    NetlibGemm(BLAS blas, GemmOperands gemm) {
        this.blas = blas;
        m = gemm.m;
        n = gemm.n;
        k = gemm.k;
        boolean single = gemm.dtype == DType.F32;
        fa = single ? gemm.A.toFloatArray() : null;
        fb = single ? gemm.B.toFloatArray() : null;
        fc = single ? new float[m * n] : null;
        da = single ? null : gemm.A.toDoubleArray();
        db = single ? null : gemm.B.toDoubleArray();
        dc = single ? null : new double[m * n];
    }

    void run() {
        if (fa != null) {
            blas.sgemm("T", "N", n, m, k, 1f, fb, k, fa, k, 0f, fc, n);
        } else {
            blas.dgemm("T", "N", n, m, k, 1, db, k, da, k, 0, dc, n);
        }
    }

    /** Entry (i, j) of the row-major C. */
    double at(int i, int j) {
        return fc != null ? fc[i * n + j] : dc[i * n + j];
    }

    void fillResult(double value) {
        if (fc != null) {
            java.util.Arrays.fill(fc, (float) value);
        } else {
            java.util.Arrays.fill(dc, value);
        }
    }
}

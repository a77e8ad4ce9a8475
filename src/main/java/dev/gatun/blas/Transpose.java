package dev.gatun.blas;

/** Whether a gemm/gemv operand is used as stored or transposed. */
public enum Transpose {
    NONE,
    TRANSPOSED;

    boolean isTransposed() {
        return this == TRANSPOSED;
    }
}

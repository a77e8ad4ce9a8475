package dev.gatun.blas.diagnostics;

/**
 * How wide the vector units are that a CPU offers or a set of BLAS kernels uses, in rising order: a library whose
 * kernels sit below what the CPU offers leaves speed unused (OpenBLAS's Haswell kernels on an AVX-512 CPU ran
 * sgemm at about half the rate of its SkylakeX kernels on the machine this was written on).
 */
public enum SimdLevel {
    /** Not an x86 CPU, or a kernel set this table does not know. */
    UNKNOWN,
    SSE,
    AVX,
    /** AVX2 with FMA. */
    AVX2,
    /** AVX-512 F, BW, DQ and VL, the set OpenBLAS's SkylakeX kernels need. */
    AVX512;

    public boolean below(SimdLevel other) {
        return this != UNKNOWN && other != UNKNOWN && compareTo(other) < 0;
    }
}

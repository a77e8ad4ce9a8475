package dev.gatun.blas;

/**
 * Which BLAS is answering. {@code backend}: "openblas", "blis" or "cblas" (a native library of no family Gatun
 * knows), or "java" (the reference loops). {@code config}: the library's version or build configuration string;
 * {@code coreName}: the kernel set or architecture it runs (OpenBLAS's core, BLIS's arch), "unknown" if it cannot
 * say; {@code threads}: its thread count, 0 when neither the library nor its environment says;
 * {@code threadControl}: how that count is set.
 */
public record BlasInfo(String backend, String libraryPath, String config, String coreName, int threads,
                       String threadControl) {}

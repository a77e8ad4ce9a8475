package dev.gatun.blas;

/** Which BLAS is answering: {@code backend} is "openblas" or "java"; the rest describes the native library. */
public record BlasInfo(String backend, String libraryPath, String config, String coreName, int threads) {}

/**
 * What {@code gatun info} reports about the BLAS this JVM loaded: a quick sgemm GFLOPS figure
 * ({@link dev.gatun.blas.diagnostics.GemmSpeed}), its results against float64 loops
 * ({@link dev.gatun.blas.diagnostics.GemmCheck}), and whether its kernels use the vector width the CPU offers
 * ({@link dev.gatun.blas.diagnostics.KernelAdvice} over {@link dev.gatun.blas.diagnostics.CpuFeatures}), with the
 * environment variable that selects wider ones. It calls the BLAS only through {@code Blas}, as a program would; not
 * exported, because only the command line needs it.
 */
package dev.gatun.blas.diagnostics;

/**
 * The Vector API bodies of every kernel family, in float32 SIMD; float64 calls go to the scalar twins. The only
 * code in Gatun that names {@code jdk.incubator.vector} types: {@code KernelProvider.vector()} loads
 * {@link dev.gatun.kernels.vector.VectorKernels} by name once it has seen the incubator module in the boot layer, so
 * a JVM started without {@code --add-modules jdk.incubator.vector} never links this package.
 */
package dev.gatun.kernels.vector;

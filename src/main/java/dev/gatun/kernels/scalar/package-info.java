/**
 * The scalar twins of every kernel family: plain Java over {@code MemorySegment}s, nothing beyond
 * {@code java.base}. They are the fallback when the Vector API is missing or {@code -Dgatun.kernels=scalar} asks
 * for them, the path float64 (the gradient check) always takes, the tails the vector bodies leave over, and the
 * oracle the kernel agreement tests compare the vector bodies against. {@link dev.gatun.kernels.scalar.ScalarKernels}
 * gathers them into one provider.
 */
package dev.gatun.kernels.scalar;

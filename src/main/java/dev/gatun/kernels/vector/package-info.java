/**
 * The Vector API bodies of every kernel family, in float32 SIMD; float64 calls go to the scalar twins. The only
 * code in Gatun that names {@code jdk.incubator.vector} types: {@code KernelProvider.vector()} loads
 * {@link dev.gatun.kernels.vector.VectorKernels} by name once it has seen the incubator module in the boot layer, so
 * a JVM started without {@code --add-modules jdk.incubator.vector} never links this package.
 *
 * <p>One rule for code here: no method takes or returns a vector, mask or shuffle (VectorCallBoundaryTest checks it;
 * {@link dev.gatun.kernels.vector.FastExp#exp(jdk.incubator.vector.FloatVector)} is the one named exception). C2
 * always inlines the Vector API's own methods but ours only while the compilation's node budget lasts, and a kernel
 * can be inlined deep into a large caller; where one of ours then stays a call, its vectors are boxed on every call,
 * and a step or a prediction that allocated nothing allocates. Write such a helper out where it is used.
 */
package dev.gatun.kernels.vector;

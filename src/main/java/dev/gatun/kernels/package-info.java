/**
 * The loops over off-heap memory that are not matrix products: activations and their derivatives, softmax and the
 * losses, batch norm, dropout masks, column sums, the fused optimizer updates, the data loader's gather and the
 * serving row kernels. Not exported: {@code nn}, {@code optim}, {@code data} and {@code serve} call it, a program
 * never does.
 *
 * <p>The entry classes ({@link dev.gatun.kernels.ActivationKernels}, {@link dev.gatun.kernels.SoftmaxKernels}, ...)
 * check their arguments and call one {@link dev.gatun.kernels.KernelProvider}, chosen once per JVM by
 * {@link dev.gatun.kernels.Vectorization}: the Vector API bodies of {@code kernels.vector} when the JVM has
 * {@code jdk.incubator.vector}, else the scalar twins of {@code kernels.scalar}. One switch for every kernel
 * family is what lets a service run without the incubator module and the tests hold the two implementations against
 * each other. {@link dev.gatun.kernels.SplitKernels} hands a training step's calls, in ranges that give the whole
 * call's bits, to the step threads of a {@link dev.gatun.kernels.StepPool}.
 */
package dev.gatun.kernels;

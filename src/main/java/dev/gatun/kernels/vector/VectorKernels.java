package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;

/**
 * The Vector API kernels. {@link KernelProvider#vector()} calls {@link #create()} by name, after it has checked that
 * {@code jdk.incubator.vector} is in the boot layer: nothing else links this package.
 */
public final class VectorKernels {
    private VectorKernels() {}

    public static KernelProvider create() {
        return new KernelProvider("vector", new VectorActivations(), new VectorSoftmax(), new VectorLosses(),
                new VectorBatchNorm(), new VectorDropout(), new VectorRegularization(), new VectorReductions(),
                new VectorOptimizer(), new VectorGather(), new VectorServing());
    }
}

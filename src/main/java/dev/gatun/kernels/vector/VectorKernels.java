package dev.gatun.kernels.vector;

import dev.gatun.kernels.KernelProvider;

/**
 * The Vector API kernels. {@link KernelProvider#vector()} calls {@link #create()} by name, after it has checked that
 * {@code jdk.incubator.vector} is in the boot layer: nothing else links this package.
 */
public final class VectorKernels {
    private VectorKernels() {}

    public static KernelProvider create() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        if (lanes > Lanes.MAX_LANES) {
            // Wider than any x86 vector (SVE allows 2048 bits): the kernels' sums and alignment stop at 512 bits.
            throw new UnsupportedOperationException("the preferred float species has " + lanes
                    + " lanes: the vector kernels handle up to " + Lanes.MAX_LANES);
        }
        return new KernelProvider("vector", new VectorActivations(), new VectorSoftmax(), new VectorLosses(),
                new VectorBatchNorm(), new VectorDropout(), new VectorRegularization(), new VectorReductions(),
                new VectorOptimizer(), new VectorGather(), new VectorServing());
    }
}

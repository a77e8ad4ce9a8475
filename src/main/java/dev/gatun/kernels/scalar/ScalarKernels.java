package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;

/** The scalar twins of every kernel family: plain Java, nothing beyond java.base. */
public final class ScalarKernels {
    public static final KernelProvider PROVIDER = new KernelProvider("scalar", new ScalarActivations(),
            new ScalarSoftmax(), new ScalarLosses(), new ScalarBatchNorm(), new ScalarDropout(), new ScalarRegularization(),
            new ScalarReductions(), new ScalarOptimizer(), new ScalarGather(), new ScalarServing());

    private ScalarKernels() {}
}

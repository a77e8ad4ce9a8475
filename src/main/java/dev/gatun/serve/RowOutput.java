package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarServing;

/**
 * A single row's output after the dense layers: an activation in float and the output softmax (the input
 * normalisation, the non-finite check and the dense layers are {@link KernelProvider.Serving}'s). Activations are heap
 * {@code float[]}s of the calling thread's context, the weights are read-only and shared.
 */
final class RowOutput {
    private RowOutput() {}

    /**
     * g(z) in float. The piecewise-linear family as {@code z > 0 ? z : slope·z}, so a NaN stays NaN (the
     * PROPAGATE policy's promise) for every activation.
     */
    static float activate(Activation g, float z) {
        return ScalarServing.activate(g, z);
    }

    /** {@code p = softmax(z)} over n values, max-shifted, summed in double; p may be z. */
    static void softmax(float[] z, float[] p, int n) {
        float max = z[0];
        for (int j = 1; j < n; j++) {
            max = Math.max(max, z[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(z[j] - max);
            p[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) {
            p[j] *= inv;
        }
    }
}

package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serving family's output kernels (a row's softmax and its elementwise activation, what a prediction's last
 * step runs) of both providers: against the formulas in double, bit for bit between the providers, in place.
 */
class RowOutputKernelsTest {
    private static final List<KernelProvider> PROVIDERS = List.of(KernelProvider.vector(), KernelProvider.scalar());
    private static final int[] WIDTHS = {1, 2, 3, 10, 16, 17, 100};

    @Test
    void softmaxIsTheFormulaAndTheSameBitsEverywhere() {
        SplittableRandom random = new SplittableRandom(3);
        // Around 1000, exp overflows unless the kernel shifts by the maximum.
        for (int offset : new int[] {0, 1000}) {
            for (int n : WIDTHS) {
                checkSoftmax(random, offset, n);
            }
        }
    }

    private static void checkSoftmax(SplittableRandom random, int offset, int n) {
        float[] z = new float[n];
        for (int j = 0; j < n; j++) {
            z[j] = (float) (offset + 4 * random.nextGaussian());
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v - max);
        }
        float[] first = null;
        for (KernelProvider provider : PROVIDERS) {
            float[] p = new float[n];
            provider.serving().softmax(z, p, n);
            for (int j = 0; j < n; j++) {
                double expected = Math.exp(z[j] - max) / sum;
                assertEquals(expected, p[j], 1e-6 * Math.max(expected, 1e-30) + 1e-37,
                        provider.name() + " softmax width " + n + " value " + j);
            }
            float[] inPlace = z.clone();
            provider.serving().softmax(inPlace, inPlace, n);
            assertBits(p, inPlace, provider.name() + " softmax in place, width " + n);
            if (first != null) {
                assertBits(first, p, provider.name() + " softmax against the other provider, width " + n);
            }
            first = p;
        }
    }

    @Test
    void activationsAreTheFormulaAndKeepNaN() {
        float[] z = {-1000f, -3.5f, -0f, 0f, 0.25f, 2f, 40f, Float.NaN};
        for (KernelProvider provider : PROVIDERS) {
            for (Activation g : Activation.values()) {
                float[] a = new float[z.length];
                provider.serving().activate(g, z, a, z.length);
                for (int j = 0; j < z.length; j++) {
                    double x = z[j];
                    double expected = switch (g) {
                        case IDENTITY -> x;
                        case RELU -> Math.max(x, 0);
                        case LEAKY_RELU -> x > 0 ? x : Activation.LEAKY_SLOPE * x;
                        case SIGMOID -> 1 / (1 + Math.exp(-x));
                        case TANH -> Math.tanh(x);
                    };
                    String what = provider.name() + " " + g + "(" + z[j] + ")";
                    if (Double.isNaN(x)) {
                        assertTrue(Float.isNaN(a[j]), what + " = " + a[j]);
                    } else {
                        assertEquals(expected, a[j], 1e-6 * Math.abs(expected) + 1e-37, what);
                    }
                }
                float[] inPlace = z.clone();
                provider.serving().activate(g, inPlace, inPlace, z.length);
                assertBits(a, inPlace, provider.name() + " " + g + " in place");
            }
        }
    }

    @Test
    void onlyTheFirstNValuesAreWritten() {
        for (KernelProvider provider : PROVIDERS) {
            float[] p = {7f, 7f, 7f, 7f};
            provider.serving().softmax(new float[] {1f, 2f, 3f, 4f}, p, 2);
            assertEquals(7f, p[2]);
            assertEquals(7f, p[3]);
            float[] a = {7f, 7f, 7f};
            provider.serving().activate(Activation.SIGMOID, new float[] {0f, 0f, 0f}, a, 2);
            assertEquals(0.5f, a[1]);
            assertEquals(7f, a[2]);
        }
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int j = 0; j < expected.length; j++) {
            assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(actual[j]),
                    what + " value " + j + ": " + expected[j] + " vs " + actual[j]);
        }
    }
}

package dev.gatun.serve;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.scalar.ScalarServing;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both providers' panel kernels, in either order through the panels and with zero inputs among the others, bit for
 * bit against a plain loop over W's rows (a zero output's sign aside).
 */
class RowPanelsTest {
    private static final List<KernelProvider> PROVIDERS = List.of(KernelProvider.vector(), KernelProvider.scalar());
    private static final int P = RowPanels.PANEL;
    /**
     * Every way the kernel splits a layer: part of one panel, one to three single panels, a group of four (plus
     * singles), a group of eight (plus a four and singles), several groups of eight; and the network's own widths.
     */
    private static final int[] OUTS = {1, 2, 7, 9, P - 1, P, P + 1, 2 * P + 3, 3 * P, 4 * P - 1, 4 * P, 5 * P + 1,
            7 * P, 8 * P, 8 * P + 1, 13 * P + 5, 16 * P, 17 * P + 2, 10, 128, 256};
    private static final int[] INS = {1, 3, 8, 17, 100};

    @Test
    void float32PanelsAreBitForBitTheScalarLoopOverRows() {
        check(RowWeights.FLOAT32);
    }

    @Test
    void bfloat16PanelsAreBitForBitTheScalarLoopOverRoundedRows() {
        check(RowWeights.BFLOAT16);
    }

    private static void check(RowWeights format) {
        SplittableRandom random = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined()) {
            for (int nIn : INS) {
                for (int nOut : OUTS) {
                    MemorySegment Wrows = arena.allocate(4L * nIn * nOut);
                    MemorySegment reference = arena.allocate(4L * nIn * nOut);
                    for (int e = 0; e < nIn * nOut; e++) {
                        float w = (float) random.nextGaussian();
                        Wrows.setAtIndex(ValueLayout.JAVA_FLOAT, e, w);
                        reference.setAtIndex(ValueLayout.JAVA_FLOAT, e, format == RowWeights.FLOAT32 ? w
                                : RowPanels.fromBfloat16(RowPanels.toBfloat16(w, 0, 0)));
                    }
                    float[] x = gaussians(random, nIn);
                    for (int k = 0; k < nIn; k++) {
                        if (random.nextInt(5) < 2) {
                            x[k] = random.nextBoolean() ? 0f : -0f;   // the kernels leave zero inputs' terms out
                        }
                    }
                    float[] b = gaussians(random, nOut);
                    for (KernelProvider provider : PROVIDERS) {
                        KernelProvider.Serving kernels = provider.serving();
                        int panel = kernels.panelOutputs();
                        MemorySegment P = RowPanels.pack(Wrows, nOut, nIn, format, panel, arena);
                        for (Activation g : Activation.values()) {
                            float[] slow = new float[nOut];
                            denseOverRows(reference, b, g, nOut, nIn, x, slow);
                            for (boolean descending : new boolean[] {false, true}) {
                                float[] fast = new float[RowPanels.padded(nOut, panel)];
                                java.util.Arrays.fill(fast, Float.NaN);
                                if (format == RowWeights.FLOAT32) {
                                    kernels.dense(P, b, g, nOut, nIn, x, new int[nIn], fast, descending);
                                } else {
                                    kernels.denseBfloat16(P, b, g, nOut, nIn, x, new int[nIn], fast, descending);
                                }
                                for (int i = 0; i < nOut; i++) {
                                    boolean bothZero = slow[i] == 0f && fast[i] == 0f;   // the sign may differ
                                    assertEquals(Float.floatToRawIntBits(slow[i]),
                                            bothZero ? Float.floatToRawIntBits(slow[i]) : Float.floatToRawIntBits(fast[i]),
                                            provider.name() + " " + format + " " + g + (descending ? " descending " : " ")
                                                    + nIn + "->" + nOut + " output " + i + ": " + slow[i] + " vs " + fast[i]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** The reference: one sequential fma chain per output over W's rows, as the panel kernels promise. */
    private static void denseOverRows(MemorySegment W, float[] b, Activation g, int nOut, int nIn, float[] x, float[] a) {
        for (int i = 0; i < nOut; i++) {
            float sum = 0f;
            for (int k = 0; k < nIn; k++) {
                sum = Math.fma(W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * nIn + k), x[k], sum);
            }
            a[i] = ScalarServing.activate(g, sum + b[i]);
        }
    }

    private static float[] gaussians(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    void paddingRoundsUpToWholePanels() {
        assertEquals(P, RowPanels.padded(1));
        assertEquals(P, RowPanels.padded(P));
        assertEquals(2 * P, RowPanels.padded(P + 1));
        assertEquals(14 * P, RowPanels.padded(13 * P + 5));
    }

    @Test
    void bfloat16RoundsToNearestTiesToEven() {
        // bfloat16 keeps 7 fraction bits: around 1 its spacing is 2^-7.
        assertEquals(0x3F80, bits(1f));
        assertEquals(0x3F80, bits(1f + 0x1p-8f), "halfway between 1 and 1+2^-7: ties to the even 1");
        assertEquals(0x3F82, bits(1f + 3 * 0x1p-8f), "halfway between 1+2^-7 and 1+2^-6: ties to the even 1+2^-6");
        assertEquals(0x3F81, bits(1f + 0x1p-8f + 0x1p-20f), "just above halfway rounds up");
        assertEquals(0x8000, bits(-0f));
        assertEquals(0xBF80, bits(-1f));
        assertEquals(0x7F80, bits(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(RowPanels.fromBfloat16(RowPanels.toBfloat16(Float.NaN, 0, 0))));
        // A NaN whose payload sits only in the low 16 bits must not become infinity.
        assertTrue(Float.isNaN(RowPanels.fromBfloat16(RowPanels.toBfloat16(Float.intBitsToFloat(0x7F800001), 0, 0))));
        assertEquals(1.5f, RowPanels.fromBfloat16(RowPanels.toBfloat16(1.5f, 0, 0)));
    }

    @Test
    void aFiniteWeightBeyondBfloat16IsRefusedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RowPanels.toBfloat16(Float.MAX_VALUE, 3, 7));
        assertTrue(e.getMessage().contains("W[3, 7]") && e.getMessage().contains("FLOAT32"), e.getMessage());
    }

    private static int bits(float value) {
        return RowPanels.toBfloat16(value, 0, 0) & 0xFFFF;
    }
}

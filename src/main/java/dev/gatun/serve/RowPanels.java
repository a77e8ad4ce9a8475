package dev.gatun.serve;

import dev.gatun.kernels.KernelProvider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * W {@code (n_out, n_in)} repacked for the batch-1 kernel {@code a = g(W·x + b)}, which the
 * {@link KernelProvider#selected() selected} provider's {@link KernelProvider.Serving#dense} runs ({@link Stage#row}).
 *
 * <p>Why a second copy of W: a matrix-vector product over W's rows needs a horizontal sum per output and loads x
 * once per four rows, which kept a row-major kernel at ~11 multiply-adds/ns even on L1-resident weights.
 * Packed in <em>panels</em>, the outputs become vector lanes: panel p holds the {@link #PANEL} outputs
 * {@code [s, s + PANEL)}, {@code s = p·PANEL}, as n_in consecutive runs, {@code P[s·n_in + k·PANEL + (i − s)] = W[i, k]}
 * (outputs past n_out are zeros), so the kernel broadcasts x[k] and needs no horizontal sums.
 *
 * <p>Why not the cblas downcall for a row: at 784→256 a product is ~200k FMAs (a few µs), where a downcall's
 * fixed cost and OpenBLAS's small-size dispatch are a real share.
 *
 * <p>Each output is one fma chain in k order, {@code acc = fma(W[i,k], x[k], acc)} from 0 over the k with x[k] not
 * zero, whichever provider runs it, so the result does not depend on the provider; the zero terms' weights are never
 * read (see {@link KernelProvider.Serving#dense}).
 *
 * <p>{@link RowWeights#BFLOAT16} stores the panels as bfloat16 (W rounded to nearest-even, halving the bytes the
 * kernel streams per call; arithmetic stays float32): output l of a panel is half {@code 2l} for l < PANEL/2 and
 * {@code 2(l − PANEL/2) + 1} above, so one int of a vector holds two outputs PANEL/2 apart.
 */
final class RowPanels {
    /** Outputs per panel of the selected provider. */
    static final int PANEL = KernelProvider.selected().serving().panelOutputs();
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RowPanels() {}

    /** Outputs rounded up to whole panels: the length of an activation array the kernel writes into. */
    static int padded(int nOut) {
        return padded(nOut, PANEL);
    }

    static int padded(int nOut, int panel) {
        return (nOut + panel - 1) / panel * panel;
    }

    /** W (read as float32 at {@code W[i·nIn + k]}) packed for the selected provider into a new segment of {@code arena}. */
    static MemorySegment pack(MemorySegment W, int nOut, int nIn, RowWeights format, Arena arena) {
        return pack(W, nOut, nIn, format, PANEL, arena);
    }

    /** W packed in panels of {@code panel} outputs (a provider's {@link KernelProvider.Serving#panelOutputs()}). */
    static MemorySegment pack(MemorySegment W, int nOut, int nIn, RowWeights format, int panel, Arena arena) {
        int halfPanel = panel / 2;
        long elements = (long) padded(nOut, panel) * nIn;
        if (format == RowWeights.FLOAT32) {
            MemorySegment P = arena.allocate(4 * elements, 64);
            for (int i = 0; i < nOut; i++) {
                int s = i - i % panel;
                for (int k = 0; k < nIn; k++) {
                    P.setAtIndex(ValueLayout.JAVA_FLOAT, (long) s * nIn + (long) k * panel + (i - s),
                            W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * nIn + k));
                }
            }
            return P;
        }
        MemorySegment P = arena.allocate(2 * elements, 64);
        for (int i = 0; i < nOut; i++) {
            int s = i - i % panel;
            int l = i - s;
            int half = l < halfPanel ? 2 * l : 2 * (l - halfPanel) + 1;
            for (int k = 0; k < nIn; k++) {
                float weight = W.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * nIn + k);
                P.setAtIndex(HALF, (long) s * nIn + (long) k * panel + half, toBfloat16(weight, i, k));
            }
        }
        return P;
    }

    /** float32 → bfloat16 bits, rounded to nearest, ties to even; a finite weight that would overflow is refused. */
    static short toBfloat16(float value, int i, int k) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        if (Float.isInfinite(fromBfloat16((short) rounded)) && !Float.isInfinite(value)) {
            throw new IllegalArgumentException("weight W[" + i + ", " + k + "] = " + value
                    + " is beyond bfloat16's range (max 3.39e38): use RowWeights.FLOAT32");
        }
        return (short) rounded;
    }

    static float fromBfloat16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}

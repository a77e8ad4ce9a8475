package dev.gatun.nn;

import dev.gatun.kernels.SplitMix;
import dev.gatun.kernels.DropoutKernels;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * Inverted dropout on the previous layer's activations: TRAIN keeps each unit with probability
 * keepProb and scales kept units by 1/keepProb; INFERENCE passes its input through untouched. The mask of step t
 * is a function of (model seed, layer, t), see {@link DropoutKernels}: the same seed gives the same masks, and
 * replaying a step replays its mask. A pass over one replica's part of a {@link SharedBatch} keys each row's mask
 * by the row's id as well, see {@link #forwardShared}.
 */
public final class Dropout implements Layer<Dropout.Buffers> {
    /** The mask and the masked activations. */
    public record Buffers(Tensor mask, Tensor D) {}

    private final String name;
    private final long units;
    private final double keepProb;
    private final long streamKey;

    Dropout(int index, long units, double keepProb, long seed) {
        this.name = "dropout" + index;
        this.units = units;
        this.keepProb = keepProb;
        this.streamKey = SplitMix.mix(seed ^ SplitMix.mix(0x44524F50L + index));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long inputs() {
        return units;
    }

    @Override
    public long outputs() {
        return units;
    }

    public double keepProb() {
        return keepProb;
    }

    @Override
    public Buffers workspace(Arena arena, DType dtype, long m, boolean inputGradient) {
        return new Buffers(Tensor.allocate(arena, dtype, m, units), Tensor.allocate(arena, dtype, m, units));
    }

    @Override
    public Tensor forward(Buffers ws, Tensor in, Mode mode, long step) {
        if (mode == Mode.INFERENCE) {
            return in;
        }
        DropoutKernels.forward(in, keepProb, SplitMix.mix(streamKey + step), ws.mask(), ws.D());
        return ws.D();
    }

    /**
     * TRAIN forward over this replica's rows of a batch split over replicas: row i's mask is a function of (model
     * seed, layer, step, {@link SharedBatch#rowId}(i)) alone, so the batch gets the same masks however it is split.
     */
    Tensor forwardShared(Buffers ws, Tensor in, long step, SharedBatch batch) {
        long stepKey = SplitMix.mix(streamKey + step);
        for (int i = 0; i < in.rows(); i++) {
            DropoutKernels.forwardRow(in, i, keepProb, SplitMix.derive(stepKey, batch.rowId(i)), ws.mask(), ws.D());
        }
        return ws.D();
    }

    @Override
    public Tensor backward(Buffers ws, Tensor in, Tensor dOut) {
        DropoutKernels.backward(dOut, ws.mask(), dOut);
        return dOut;
    }
}

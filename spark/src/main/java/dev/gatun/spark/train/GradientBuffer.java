package dev.gatun.spark.train;

import dev.gatun.nn.Parameter;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The one contiguous float32 buffer a step all-reduces: every parameter's gradient (this replica's share of the
 * global batch's mean gradient), one after another, and a last float holding this replica's loss sum (so the loss travels in the
 * same message). The views are made once; a step allocates nothing.
 */
final class GradientBuffer {
    private final MemorySegment segment;
    private final Tensor[] views;
    private final long lossOffset;

    GradientBuffer(List<Parameter> parameters, Arena arena) {
        long floats = 1;
        for (Parameter p : parameters) {
            requireF32(p);
            floats += p.grad().size();
        }
        this.segment = arena.allocate(floats * Float.BYTES, 64);
        this.views = new Tensor[parameters.size()];
        long offset = 0;
        for (int i = 0; i < views.length; i++) {
            long size = parameters.get(i).grad().size();
            views[i] = Tensor.wrap(segment.asSlice(offset * Float.BYTES, size * Float.BYTES), DType.F32, size);
            offset += size;
        }
        this.lossOffset = offset * Float.BYTES;
    }

    private static void requireF32(Parameter p) {
        if (p.grad().dtype() != DType.F32) {
            throw new IllegalArgumentException("all-reduce of parameter " + p.name() + ": float32 only, got " + p.grad().dtype());
        }
    }

    MemorySegment segment() {
        return segment;
    }

    void zero() {
        segment.fill((byte) 0);
    }

    /**
     * Copies every parameter's gradient in: a replica's share of the batch's mean gradient
     * ({@code Model.computeDataGradients} with a shared batch), which the all-reduce then sums with no weights.
     */
    void copyFrom(List<Parameter> parameters) {
        for (int i = 0; i < views.length; i++) {
            Tensor grad = parameters.get(i).grad();
            MemorySegment.copy(grad.segment(), 0, views[i].segment(), 0, grad.byteSize());
        }
    }

    /** Writes the (summed) buffer back into the parameters' gradients. */
    void copyTo(List<Parameter> parameters) {
        for (int i = 0; i < views.length; i++) {
            Tensor grad = parameters.get(i).grad();
            MemorySegment.copy(views[i].segment(), 0, grad.segment(), 0, grad.byteSize());
        }
    }

    void setLoss(double lossSum) {
        segment.set(ValueLayout.JAVA_FLOAT, lossOffset, (float) lossSum);
    }

    double loss() {
        return segment.get(ValueLayout.JAVA_FLOAT, lossOffset);
    }
}

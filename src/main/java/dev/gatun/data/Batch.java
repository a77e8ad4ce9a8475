package dev.gatun.data;

import dev.gatun.nn.Model;
import dev.gatun.nn.Targets;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One mini-batch in buffers the loader owns and reuses: {@link #X()} is {@code (m, n)} float32, one normalised
 * sample per row; {@link #labels()} holds the {@code m} class indices as int32 in native order; {@link #Y()} gives
 * the one-hot rows {@code (m, classes)} on demand, or for regression data the real-valued targets
 * {@code (m, targets)} gathered with the rows; {@link #targetsFor(Model)} wraps whichever a model trains against.
 *
 * <p>Valid until the next batch is requested from the same {@link Batches}: the loader owns these buffers and
 * refills them then. Copy what must outlive that. Every view here is made once, so handing out a batch
 * allocates nothing.
 */
public final class Batch {
    private final Tensor fullX;
    private final Tensor partialX;
    private final MemorySegment fullLabels;
    private final MemorySegment partialLabels;
    private final Targets.Labels fullLabelTargets;
    private final Targets.Labels partialLabelTargets;
    private final int[] samples;
    private final Arena arena;
    private final int classes;
    /** Regression targets gathered with the rows, or null for labelled data. */
    private final Tensor fullTargets;
    private final Tensor partialTargets;
    private final Targets.Dense fullTargetValues;
    private final Targets.Dense partialTargetValues;

    private Tensor fullY;
    private Tensor partialY;
    private Targets.Dense fullOneHotTargets;
    private Targets.Dense partialOneHotTargets;
    private boolean yFilled;

    private int size;
    private int epoch;
    private int index;

    /**
     * Buffers for {@code capacity} rows, plus views of the first {@code partialRows} when that is > 0; with
     * {@code targetWidth > 0} a float32 buffer for the rows' targets too.
     */
    Batch(Arena arena, int capacity, int partialRows, int features, int classes, int targetWidth) {
        this.arena = arena;
        this.classes = classes;
        this.fullTargets = targetWidth > 0 ? Tensor.allocate(arena, DType.F32, capacity, targetWidth) : null;
        this.partialTargets = fullTargets != null && partialRows > 0 ? fullTargets.rowSlice(0, partialRows) : null;
        this.fullTargetValues = fullTargets != null ? Targets.dense(fullTargets) : null;
        this.partialTargetValues = partialTargets != null ? Targets.dense(partialTargets) : null;
        this.fullX = Tensor.allocate(arena, DType.F32, capacity, features);
        this.partialX = partialRows > 0 ? fullX.rowSlice(0, partialRows) : null;
        this.fullLabels = arena.allocate(ValueLayout.JAVA_INT, capacity);
        this.partialLabels = partialRows > 0 ? fullLabels.asSlice(0, 4L * partialRows) : null;
        this.fullLabelTargets = Targets.labels(fullLabels);
        this.partialLabelTargets = partialRows > 0 ? Targets.labels(partialLabels) : null;
        this.samples = new int[capacity];
    }

    /** Samples in this batch: the batch size, or fewer for a kept last partial batch. */
    public int size() {
        return size;
    }

    /** Epoch this batch belongs to (counting from the loader's first epoch). */
    public int epoch() {
        return epoch;
    }

    /** Position of this batch in its epoch, from 0. */
    public int index() {
        return index;
    }

    /** The inputs, {@code (m, n)} float32: conversion, normalisation and any augmentation already applied. */
    public Tensor X() {
        return size == fullX.rows() ? fullX : partialX;
    }

    /** The {@code m} class indices as int32 (native order), in row order. */
    public MemorySegment labels() {
        return size == fullX.rows() ? fullLabels : partialLabels;
    }

    public int label(int row) {
        if (fullTargets != null) {
            throw new IllegalStateException("this batch holds real-valued targets, not class labels: use Y()");
        }
        return fullLabels.getAtIndex(ValueLayout.JAVA_INT, checkRow(row));
    }

    /** Index in the data set of the sample in {@code row}. */
    public int sample(int row) {
        return samples[checkRow(row)];
    }

    /**
     * The labels as one-hot rows, {@code (m, classes)} float32, filled on the first call for this batch (the buffer
     * itself is allocated on the first call ever, then reused).
     */
    public Tensor Y() {
        if (fullTargets != null) {
            return size == fullX.rows() ? fullTargets : partialTargets;
        }
        if (fullY == null) {
            fullY = Tensor.allocate(arena, DType.F32, fullX.rows(), classes);
            partialY = partialX == null ? null : fullY.rowSlice(0, partialX.rows());
            fullOneHotTargets = Targets.dense(fullY);
            partialOneHotTargets = partialY == null ? null : Targets.dense(partialY);
        }
        Tensor y = size == fullX.rows() ? fullY : partialY;
        if (!yFilled) {
            y.zero();
            for (int row = 0; row < size; row++) {
                y.segment().setAtIndex(ValueLayout.JAVA_FLOAT, (long) row * classes + label(row), 1f);
            }
            yFilled = true;
        }
        return y;
    }

    /**
     * The targets {@code model} trains and evaluates against: the class labels when it predicts one class per row
     * ({@link dev.gatun.nn.Loss#predictsClasses}), else the one-hot rows of {@link #Y()}. The wrappers are made once
     * per buffer, so a training step that asks for them allocates nothing.
     */
    public Targets targetsFor(Model model) {
        if (fullTargets != null) {
            return size == fullX.rows() ? fullTargetValues : partialTargetValues;
        }
        if (model.loss().predictsClasses(model.outputs())) {
            return size == fullX.rows() ? fullLabelTargets : partialLabelTargets;
        }
        Y();
        return size == fullX.rows() ? fullOneHotTargets : partialOneHotTargets;
    }

    /** Called by the filler before it writes: the new contents belong to batch {@code index} of {@code epoch}. */
    void reset(int newSize, int newEpoch, int newIndex) {
        size = newSize;
        epoch = newEpoch;
        index = newIndex;
        yFilled = false;
    }

    Tensor fullX() {
        return fullX;
    }

    Tensor fullTargets() {
        return fullTargets;
    }

    int[] samples() {
        return samples;
    }

    MemorySegment fullLabels() {
        return fullLabels;
    }

    private int checkRow(int row) {
        if (row < 0 || row >= size) {
            throw new IndexOutOfBoundsException("row " + row + " of a batch of " + size);
        }
        return row;
    }

    @Override
    public String toString() {
        return "Batch[epoch " + epoch + ", batch " + index + ", " + size + " samples]";
    }
}

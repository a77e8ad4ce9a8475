package dev.gatun.data;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** The rows of a mapped IDX image file (unsigned bytes) with the labels of its label file. */
record IdxStore(IdxFile images, IdxFile labels) implements SampleStore {
    @Override
    public MemorySegment features() {
        return images.body();
    }

    @Override
    public FeatureType featureType() {
        return FeatureType.UINT8;
    }

    @Override
    public int label(int row) {
        return labels.getInt(row);
    }

    @Override
    public MemorySegment targets() {
        throw new IllegalStateException(labels.path() + " holds class labels, not real-valued targets");
    }

    @Override
    public int targetWidth() {
        return 0;
    }

    @Override
    public boolean isOpen() {
        return images.isOpen() && labels.isOpen();
    }

    @Override
    public long[] sampleShape() {
        long[] dims = images.dims();
        return dims.length == 1 ? new long[] {1} : Arrays.copyOfRange(dims, 1, dims.length);
    }
}

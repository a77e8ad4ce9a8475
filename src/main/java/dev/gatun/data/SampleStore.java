package dev.gatun.data;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link DataSet}'s rows live: every stored row's features in one row-major segment, and each row's class
 * label or real-valued targets. A data set is a view that picks rows of a store; the store belongs to whoever opened
 * it ({@link MnistDirectory}, {@link Table}), and reading it after they closed it throws
 * {@link IllegalStateException}.
 */
interface SampleStore {
    /** Every stored row's features, row-major, {@link #featureType()} each. */
    MemorySegment features();

    FeatureType featureType();

    /** The class of stored row {@code row}; only for a labelled store ({@link #targetWidth()} 0). */
    int label(int row);

    /** Every stored row's targets, row-major float32 rows of {@link #targetWidth()}; only when that is > 0. */
    MemorySegment targets();

    /** Real-valued targets per row, or 0 when rows carry class labels. */
    int targetWidth();

    boolean isOpen();

    /** The shape of one sample (the image's {@code (28, 28)}, or {@code (features)}). */
    long[] sampleShape();
}

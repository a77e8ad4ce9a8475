package dev.gatun.tensor;

import java.lang.foreign.ValueLayout;

/** Element types Gatun computes in: float32 for training and inference, float64 where precision is the point. */
public enum DType {
    F32(ValueLayout.JAVA_FLOAT),
    F64(ValueLayout.JAVA_DOUBLE);

    private final ValueLayout layout;

    DType(ValueLayout layout) {
        this.layout = layout;
    }

    public ValueLayout layout() {
        return layout;
    }

    public long byteSize() {
        return layout.byteSize();
    }
}

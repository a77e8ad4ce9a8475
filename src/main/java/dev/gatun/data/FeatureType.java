package dev.gatun.data;

/**
 * How a data set stores its features: unsigned bytes (IDX images, converted to float32 as batches are gathered) or
 * float32 (CSV tables and in-memory arrays, copied as they are). Either way a batch holds normalised float32 rows.
 */
public enum FeatureType {
    /** One unsigned byte per feature, 0–255. */
    UINT8(1),
    /** One float32 per feature, in native byte order. */
    FLOAT32(4);

    private final int bytes;

    FeatureType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes one feature takes in storage. */
    public int byteSize() {
        return bytes;
    }
}

package dev.gatun.data;

import dev.gatun.tensor.Shapes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The header of an IDX file: two zero bytes, the type code, the rank, then one big-endian int32 per dimension.
 * Parsing validates every field and the arithmetic the body size depends on, so nothing downstream can overflow.
 */
public final class IdxHeader {
    /** Offset of the type code byte; the rank follows it and the dimensions start at 4. */
    static final int TYPE_OFFSET = 2;
    static final int RANK_OFFSET = 3;
    static final int DIMS_OFFSET = 4;

    private final IdxType type;
    private final long[] dims;
    private final long elementCount;

    private IdxHeader(IdxType type, long[] dims, long elementCount) {
        this.type = type;
        this.dims = dims;
        this.elementCount = elementCount;
    }

    /**
     * Reads and validates a header from the start of {@code in}; {@code file} names the source in exceptions.
     * Reads exactly {@link #headerBytes()} bytes, leaving the stream at the first body byte.
     */
    public static IdxHeader read(Path file, InputStream in) throws IOException {
        byte[] magic = in.readNBytes(DIMS_OFFSET);
        if (magic.length < DIMS_OFFSET) {
            throw new DataFileException(file, "magic number", 0, "4 bytes (0x00 0x00, type code, rank)",
                    "a file of " + magic.length + " bytes");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new DataFileException(file, "magic number", 0, "0x00 0x00 as the first two bytes",
                    String.format("0x%02X 0x%02X", magic[0] & 0xFF, magic[1] & 0xFF));
        }
        IdxType type = IdxType.fromCode(magic[TYPE_OFFSET] & 0xFF, file, TYPE_OFFSET);
        int rank = magic[RANK_OFFSET] & 0xFF;
        if (rank == 0) {
            throw new DataFileException(file, "rank", RANK_OFFSET, "1 to 255 dimensions", "0");
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new DataFileException(file, "dimensions", DIMS_OFFSET,
                    4 * rank + " bytes for " + rank + " dimensions",
                    dimBytes.length + " bytes before the end of the file");
        }
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            int d = ((dimBytes[4 * i] & 0xFF) << 24) | ((dimBytes[4 * i + 1] & 0xFF) << 16)
                    | ((dimBytes[4 * i + 2] & 0xFF) << 8) | (dimBytes[4 * i + 3] & 0xFF);
            if (d <= 0) {
                throw new DataFileException(file, "dimension " + i, DIMS_OFFSET + 4L * i, "a positive size",
                        Integer.toString(d));
            }
            dims[i] = d;
        }
        long count = 1;
        try {
            for (long d : dims) {
                count = Math.multiplyExact(count, d);
            }
            Math.addExact(Math.multiplyExact(count, type.byteSize()), DIMS_OFFSET + 4L * rank);
        } catch (ArithmeticException overflow) {
            throw new DataFileException(file, "dimensions", DIMS_OFFSET,
                    "a body of at most " + Long.MAX_VALUE + " bytes",
                    "shape " + Shapes.format(dims) + " of " + type.describe() + " elements, which overflows");
        }
        return new IdxHeader(type, dims, count);
    }

    public IdxType type() {
        return type;
    }

    public int rank() {
        return dims.length;
    }

    public long[] dims() {
        return dims.clone();
    }

    public long dim(int axis) {
        return dims[axis];
    }

    /** Product of all dimensions. */
    public long elementCount() {
        return elementCount;
    }

    /** Size of the header in bytes: where the body starts. */
    public long headerBytes() {
        return DIMS_OFFSET + 4L * dims.length;
    }

    public long bodyBytes() {
        return elementCount * type.byteSize();
    }

    /** Header plus body: the exact size the file must have. */
    public long fileBytes() {
        return headerBytes() + bodyBytes();
    }

    /** The check every source (mapped file or decompressed stream) runs once it knows its length. */
    void requireLength(Path file, long actualBytes) throws DataFileException {
        if (actualBytes != fileBytes()) {
            throw new DataFileException(file, "body", headerBytes(),
                    bodyBytes() + " bytes for shape " + Shapes.format(dims) + " of " + type.describe()
                            + " (a file of " + fileBytes() + " bytes)",
                    (actualBytes - headerBytes()) + " bytes (a file " + (actualBytes < fileBytes() ? "shorter" : "longer")
                            + " than its header says: " + actualBytes + " bytes)");
        }
    }

    @Override
    public String toString() {
        return type.describe() + " " + Shapes.format(dims);
    }
}

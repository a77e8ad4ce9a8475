package dev.gatun.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The element types an IDX header may name (its third byte), with the size of one element in the body. */
public enum IdxType {
    UNSIGNED_BYTE(0x08, 1, "unsigned byte", true),
    SIGNED_BYTE(0x09, 1, "signed byte", true),
    SHORT(0x0B, 2, "int16", true),
    INT(0x0C, 4, "int32", true),
    FLOAT(0x0D, 4, "float32", false),
    DOUBLE(0x0E, 8, "float64", false);

    private final int code;
    private final int byteSize;
    private final String description;
    private final boolean integral;

    IdxType(int code, int byteSize, String description, boolean integral) {
        this.code = code;
        this.byteSize = byteSize;
        this.description = description;
        this.integral = integral;
    }

    public int code() {
        return code;
    }

    public int byteSize() {
        return byteSize;
    }

    /** True for the integer types: the only ones that can hold class labels. */
    public boolean isIntegral() {
        return integral;
    }

    /** "0x08 (unsigned byte)": the form error messages use. */
    public String describe() {
        return String.format("0x%02X (%s)", code, description);
    }

    /** The type for a header's type code; {@code file} and {@code offset} only go into the exception. */
    public static IdxType fromCode(int code, Path file, long offset) throws DataFileException {
        for (IdxType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new DataFileException(file, "type code", offset, "one of " + allDescribed(),
                String.format("0x%02X", code & 0xFF));
    }

    static String allDescribed() {
        return Arrays.stream(values()).map(IdxType::describe).collect(Collectors.joining(", "));
    }
}

package dev.gatun.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file is missing or is not what the IDX / MNIST format requires: the one exception {@code data/} throws
 * for bad files. It is checked, an {@link IOException}, because callers that open files
 * already handle those, and because a bad file is a fact about the world, not a programming error.
 *
 * <p>Every instance names the file at fault, the field (with its byte offset where one exists), what the format
 * expected and what the file holds. Problems between files (image and label counts, train and test shapes) name
 * the file that disagrees and, in {@link #expected()}, the file it disagrees with. Plain I/O failures (disk full,
 * permission denied) stay ordinary {@link IOException}s.
 */
public final class DataFileException extends IOException {
    /** {@link #offset()} when the problem has no single byte position (a missing file, a count between files). */
    public static final long NO_OFFSET = -1;

    private final transient Path file;
    private final String field;
    private final long offset;
    private final String expected;
    private final String found;

    public DataFileException(Path file, String field, long offset, String expected, String found) {
        this(file, field, offset, expected, found, null);
    }

    public DataFileException(Path file, String field, long offset, String expected, String found, Throwable cause) {
        super(message(file, field, offset, expected, found), cause);
        this.file = file;
        this.field = field;
        this.offset = offset;
        this.expected = expected;
        this.found = found;
    }

    private static String message(Path file, String field, long offset, String expected, String found) {
        String where = offset == NO_OFFSET ? field : field + " at byte " + offset;
        return file + ": " + where + ": expected " + expected + ", found " + found;
    }

    /** {@code file}'s gzip stream is truncated or corrupt ({@code broken}: the ZipException or EOFException that said so). */
    public static DataFileException brokenGzip(Path file, IOException broken) {
        return new DataFileException(file, "gzip stream", NO_OFFSET, "a complete gzip stream",
                broken.getClass().getSimpleName() + ": " + broken.getMessage(), broken);
    }

    public Path file() {
        return file;
    }

    public String field() {
        return field;
    }

    /** Byte offset of the field in the (decompressed) file, or {@link #NO_OFFSET}. */
    public long offset() {
        return offset;
    }

    public String expected() {
        return expected;
    }

    public String found() {
        return found;
    }
}

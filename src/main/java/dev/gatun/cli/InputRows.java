package dev.gatun.cli;

import dev.gatun.csv.MaybeGzipped;
import dev.gatun.data.DataFileException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Samples of raw features read one at a time from a file, so that a file of any length streams through a fixed
 * buffer. Two kinds: IDX ({@link IdxRows}) and CSV ({@link CsvRows}), told apart by their first bytes, not their
 * names: an IDX file starts with two zero bytes, which no text file does.
 */
interface InputRows extends AutoCloseable {
    /**
     * Reads the next sample's features into {@code into[offset .. offset + features)}; false at the end of the file.
     *
     * @throws IllegalArgumentException the sample is malformed (naming the file, the line or row, and the problem)
     */
    boolean next(float[] into, int offset) throws IOException;

    @Override
    void close() throws IOException;

    /** Opens {@code file} (plain or gzipped) as rows of {@code features} values each. */
    static InputRows open(Path file, int features, List<String> featureNames) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "input file does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": input is not a regular file");
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = MaybeGzipped.open(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (ZipException | EOFException broken) {
            throw DataFileException.brokenGzip(file, broken);
        }
        if (n == 0) {
            throw new IllegalArgumentException(file + ": input file is empty, expected IDX images or CSV rows");
        }
        if (n >= 2 && head[0] == 0 && head[1] == 0) {
            return IdxRows.open(file, features);
        }
        for (int i = 0; i < n; i++) {
            if (!textByte(head[i])) {
                // Binary that is not IDX (a damaged magic, say) would otherwise be read as CSV and fail on some line's
                // encoding, a message that points at the wrong format.
                StringBuilder bytes = new StringBuilder();
                for (int k = 0; k < n; k++) {
                    bytes.append(k == 0 ? "" : " ").append(String.format("%02x", head[k] & 0xff));
                }
                throw new IllegalArgumentException(file + ": input is neither IDX (whose first two bytes are zero) nor"
                        + " CSV text: it starts with the bytes " + bytes);
            }
        }
        return CsvRows.open(file, features, featureNames);
    }

    /** A byte a text file may start with: not a control character other than tab, line feed and carriage return. */
    private static boolean textByte(byte b) {
        return (b < 0 || b >= 0x20 || b == '\t' || b == '\n' || b == '\r') && b != 0x7f;
    }
}

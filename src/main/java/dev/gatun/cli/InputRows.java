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
        byte[] head = new byte[2];
        int n;
        try (InputStream in = MaybeGzipped.open(file)) {
            n = in.readNBytes(head, 0, 2);
        } catch (ZipException | EOFException broken) {
            throw DataFileException.brokenGzip(file, broken);
        }
        if (n == 0) {
            throw new IllegalArgumentException(file + ": input file is empty, expected IDX images or CSV rows");
        }
        return n == 2 && head[0] == 0 && head[1] == 0 ? IdxRows.open(file, features)
                : CsvRows.open(file, features, featureNames);
    }
}

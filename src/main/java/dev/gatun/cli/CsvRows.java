package dev.gatun.cli;

import dev.gatun.csv.CsvFormat;
import dev.gatun.csv.TextLines;

import dev.gatun.data.DataFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Samples from a CSV file: one per line, the model's raw features (its stored normalisation is applied later). The
 * delimiter, quotes, decimal commas and the header line are read as {@link CsvFormat} says, the same rules as
 * training data, and a first line of numbers that are the model's feature names (three or more) is a header too;
 * blank lines are skipped. Streams line by line into the caller's buffer, so the file's length does
 * not matter. Every problem names the file, the line (1-based, counting the header) and, for a cell, the column
 * (1-based).
 */
final class CsvRows implements InputRows {
    private static final Logger LOG = LoggerFactory.getLogger(CsvRows.class);
    private final Path file;
    private final TextLines in;
    private final int features;
    /** The columns the model was trained on, by name; empty when its file keeps none. */
    private final List<String> featureNames;
    private long line;
    private long rows;
    private boolean sawHeader;
    /** Chosen from the first non-blank line. */
    private CsvFormat format;

    private CsvRows(Path file, TextLines in, int features, List<String> featureNames) {
        this.file = file;
        this.in = in;
        this.features = features;
        this.featureNames = featureNames;
    }

    static CsvRows open(Path file, int features, List<String> featureNames) throws IOException {
        try {
            return new CsvRows(file, TextLines.open(file), features, List.copyOf(featureNames));
        } catch (ZipException | EOFException broken) {
            throw DataFileException.brokenGzip(file, broken);
        }
    }

    @Override
    public boolean next(float[] into, int offset) throws IOException {
        String s;
        while ((s = nextLine()) != null) {
            line++;
            if (line == 1 && s.startsWith("\uFEFF")) {
                s = s.substring(1);
            }
            if (s.isBlank()) {
                continue;
            }
            if (format == null) {
                format = CsvFormat.detect(s);
            }
            if (rows == 0 && !sawHeader && (format.isHeader(s) || namesTheFeatures(s))) {
                sawHeader = true;
                FeatureColumns.requireSame("the model", featureNames, file + " (its header)", format.texts(s));
                continue;
            }
            parse(s, into, offset);
            rows++;
            return true;
        }
        if (rows == 0) {
            throw new IllegalArgumentException(file + ": no rows to predict (" + (sawHeader ? "only a header line" : "blank")
                    + "), expected one sample of " + features + " numbers per line, separated by commas, semicolons, tabs or bars");
        }
        return false;
    }

    private String nextLine() throws IOException {
        try {
            return in.next();
        } catch (TextLines.TooLong | TextLines.NotUtf8 e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        } catch (ZipException | EOFException broken) {
            throw DataFileException.brokenGzip(file, broken);
        }
    }

    /**
     * Whether a first line that holds numbers is still the header: its cells are the model's feature names, as
     * pandas writes integer column names ({@code 0,1,...,783}). Read as a row, it was predicted as sample 1 and
     * every later row's output was one line off. With one or two features a first row equal to the names ({@code 0,1})
     * is as likely as such a header, so the rule waits for three; when it applies, stderr says so.
     */
    private boolean namesTheFeatures(String s) {
        if (featureNames.size() < MIN_NUMBERED_HEADER || !format.texts(s).equals(featureNames)) {
            return false;
        }
        // Logged at INFO, on stderr like the library's lines: a note, not a warning, so --quiet silences it.
        LOG.info("{}: line {} is read as its header: its cells are the model's feature names", file, line);
        return true;
    }

    /** The fewest features for which a first line of numbers equal to the feature names is taken as the header. */
    static final int MIN_NUMBERED_HEADER = 3;

    private void parse(String s, float[] into, int offset) {
        int columns = format.columns(s);
        if (columns != features) {
            throw new IllegalArgumentException(file + " line " + line + ": " + columns + " columns (separated by "
                    + format.delimiterName() + ") but the model takes " + features + " inputs"
                    + (columns == features + 1 ? " (a label column? predict takes features only)" : ""));
        }
        int from = 0;
        for (int c = 0; c < features; c++) {
            int to = format.cellEnd(s, from);
            float v = format.number(s, from, to);
            if (Float.isNaN(v)) {
                throw new IllegalArgumentException(file + " line " + line + " column " + (c + 1) + ": "
                        + format.whyNotANumber(s, from, to)
                        + (format.isNonFiniteWord(s, from, to) ? ": inputs must be finite" : ""));
            }
            into[offset + c] = v;
            from = to + 1;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

package dev.gatun.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Samples from a CSV file: one per line, the model's raw features (its stored normalisation is applied later). The
 * delimiter is the one of comma, semicolon, tab and bar that the first line holds most of outside quotes; cells may
 * be quoted ({@code "0.5"}), and with a delimiter other than the comma a decimal comma is read as a point
 * ({@code 0,5;1,25}, as spreadsheets in many locales write it). A first line in which no cell is a number is a header
 * and skipped; blank lines are skipped. Streams line by line into the caller's buffer, so the file's length does not matter. Every problem
 * names the file, the line (1-based, counting the header) and, for a cell, the column (1-based).
 */
final class CsvRows implements InputRows {
    /** Longest digit string parsed exactly as an int without allocating; longer numbers go through parseFloat. */
    private static final int FAST_DIGITS = 9;

    private final Path file;
    private final BufferedReader in;
    private final int features;
    private long line;
    private long rows;
    private boolean sawHeader;
    /** Chosen from the first non-blank line. */
    private char delimiter;
    private static final String DELIMITERS = ",;\t|";

    private CsvRows(Path file, BufferedReader in, int features) {
        this.file = file;
        this.in = in;
        this.features = features;
    }

    static CsvRows open(Path file, int features) throws IOException {
        return new CsvRows(file, new BufferedReader(new InputStreamReader(InputRows.openMaybeGzipped(file),
                StandardCharsets.UTF_8), 1 << 16), features);
    }

    @Override
    public boolean next(float[] into, int offset) throws IOException {
        String s;
        while ((s = in.readLine()) != null) {
            line++;
            if (line == 1 && s.startsWith("\uFEFF")) {
                s = s.substring(1);
            }
            if (s.isBlank()) {
                continue;
            }
            if (delimiter == 0) {
                delimiter = detectDelimiter(s);
            }
            if (rows == 0 && !sawHeader && isHeader(s)) {
                sawHeader = true;
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

    /** The candidate delimiter that occurs most often outside quotes in {@code s}; a comma when there is none. */
    private static char detectDelimiter(String s) {
        int[] counts = new int[DELIMITERS.length()];
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && DELIMITERS.indexOf(c) >= 0) {
                counts[DELIMITERS.indexOf(c)]++;
            }
        }
        int best = 0;
        for (int k = 1; k < counts.length; k++) {
            if (counts[k] > counts[best]) {
                best = k;
            }
        }
        return DELIMITERS.charAt(best);
    }

    /** Where the cell that starts at {@code from} ends: the next delimiter outside quotes, or the line's end. */
    private int cellEnd(String s, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == delimiter && !quoted) {
                return i;
            }
        }
        return s.length();
    }

    /** A first line is a header when none of its cells is a number. */
    private boolean isHeader(String s) {
        for (int from = 0; from <= s.length(); ) {
            int to = cellEnd(s, from);
            if (!Float.isNaN(cell(s, from, to)) || isNonFiniteWord(s, from, to)) {
                return false;
            }
            from = to + 1;
        }
        return true;
    }

    private void parse(String s, float[] into, int offset) {
        int columns = 0;
        for (int from = 0; from <= s.length(); from = cellEnd(s, from) + 1) {
            columns++;
        }
        if (columns != features) {
            throw new IllegalArgumentException(file + " line " + line + ": " + columns + " columns (separated by "
                    + describe(delimiter) + ") but the model takes " + features + " inputs"
                    + (columns == features + 1 ? " (a label column? predict takes features only)" : ""));
        }
        int from = 0;
        for (int c = 0; c < features; c++) {
            int to = cellEnd(s, from);
            float v = cell(s, from, to);
            if (Float.isNaN(v)) {
                String cell = s.substring(from, to).strip();
                throw new IllegalArgumentException(file + " line " + line + " column " + (c + 1) + ": "
                        + (isNonFiniteWord(s, from, to) ? UserText.cell(cell) + " is not a finite number: inputs must be finite"
                        : cell.isEmpty() ? "empty cell, expected a number" : "'" + UserText.cell(cell) + "' is not a number"));
            }
            into[offset + c] = v;
            from = to + 1;
        }
    }

    private static String describe(char delimiter) {
        return switch (delimiter) {
            case '\t' -> "tabs";
            case ';' -> "semicolons";
            case '|' -> "bars";
            default -> "commas";
        };
    }

    /** The number in cell {@code s[from, to)}, its quotes removed and a decimal comma read as a point; NaN if none. */
    private float cell(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        if (to - from >= 2 && s.charAt(from) == '"' && s.charAt(to - 1) == '"') {
            from++;
            to--;
        }
        if (delimiter != ',') {
            int comma = s.indexOf(',', from);
            if (comma >= 0 && comma < to) {
                String point = s.substring(from, to).replace(',', '.');
                return number(point, 0, point.length());
            }
        }
        return number(s, from, to);
    }

    /**
     * The cell {@code s[from, to)} (spaces around it allowed) as a finite float, or NaN when it is not one. Plain
     * integers, the usual pixel values, are parsed in place; anything else made only of number characters goes
     * through {@link Float#parseFloat} (whose Java-only suffixes and hex forms the character check keeps out).
     */
    static float number(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        if (from == to) {
            return Float.NaN;
        }
        int i = from;
        boolean negative = s.charAt(i) == '-';
        if (negative || s.charAt(i) == '+') {
            i++;
        }
        if (i < to && to - i <= FAST_DIGITS) {
            int value = 0;
            int j = i;
            while (j < to && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
                value = 10 * value + (s.charAt(j) - '0');
                j++;
            }
            if (j == to) {
                return negative ? -value : value;
            }
        }
        for (int j = from; j < to; j++) {
            char ch = s.charAt(j);
            if (!(ch >= '0' && ch <= '9' || ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-')) {
                return Float.NaN;
            }
        }
        try {
            float v = Float.parseFloat(s.substring(from, to));
            return Float.isFinite(v) ? v : Float.NaN;
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }

    /** NaN and infinity spelled as numbers usually are: a wrong value, not a wrong kind of cell. */
    private static boolean isNonFiniteWord(String s, int from, int to) {
        String cell = s.substring(from, to).strip().toLowerCase(java.util.Locale.ROOT);
        if (cell.startsWith("+") || cell.startsWith("-")) {
            cell = cell.substring(1);
        }
        return cell.equals("nan") || cell.equals("inf") || cell.equals("infinity")
                || (!cell.isEmpty() && cell.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ".e+-".indexOf(ch) >= 0)
                && isOverflow(cell));
    }

    private static boolean isOverflow(String cell) {
        try {
            return Float.isInfinite(Float.parseFloat(cell));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

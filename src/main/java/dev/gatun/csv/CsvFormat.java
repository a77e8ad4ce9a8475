package dev.gatun.csv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How one CSV file splits its lines into cells, decided from its first line: the delimiter is the one of comma,
 * semicolon, tab and bar that the line holds most of outside quotes (a comma when it holds none; on a tie with the
 * comma, the other one, so that {@code 2,38;0} is a decimal comma and a semicolon; and the other one too when it
 * splits the line into numbers written with decimal commas, as {@code 0,5;1,25;2,5}). Cells may be
 * quoted ({@code "0.5"}, {@code "a ""b"""}); with a delimiter other than the comma a decimal comma reads as a point
 * ({@code 0,5;1,25}, as spreadsheets in many locales write numbers). A first line in which no cell is a number is a
 * header. Immutable; the number parser allocates nothing for the plain integers (pixel values) most tables hold.
 */
public final class CsvFormat {
    private static final String DELIMITERS = ",;\t|";
    /** Longest digit string parsed exactly as an int without allocating; longer numbers go through parseFloat. */
    private static final int FAST_DIGITS = 9;
    /** A cell quoted in an error message: enough to recognise it, never a 20 MB error line. */
    private static final int CELL_LIMIT = 40;

    private final char delimiter;

    private CsvFormat(char delimiter) {
        this.delimiter = delimiter;
    }

    /** The format of a file whose first non-blank line is {@code firstLine}. */
    public static CsvFormat detect(String firstLine) {
        int[] counts = new int[DELIMITERS.length()];
        boolean quoted = false;
        for (int i = 0; i < firstLine.length(); i++) {
            char c = firstLine.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && DELIMITERS.indexOf(c) >= 0) {
                counts[DELIMITERS.indexOf(c)]++;
            }
        }
        // A tie with the comma goes to the other delimiter: "2,38;0" is a decimal comma and a semicolon, since in a
        // comma-separated line the semicolon would sit inside a number.
        int best = 0;
        for (int k = 1; k < counts.length; k++) {
            if (counts[k] > counts[best] || (best == 0 && counts[k] > 0 && counts[k] == counts[0])) {
                best = k;
            }
        }
        // More commas than semicolons need not mean commas: "0,5;1,25;2,5" (a headerless decimal-comma row) has two
        // of each per cell boundary. When the other delimiter splits the line into numbers written with a decimal
        // comma, it is that delimiter; split on commas, those cells would hold a semicolon inside a number.
        // A line that commas already split into numbers ("1,\t2,3", padded) stays comma-separated.
        if (best == 0 && !numbers(firstLine, ',', POINT_NUMBER)) {
            for (int k = 1; k < counts.length; k++) {
                if (counts[k] > 0 && numbers(firstLine, DELIMITERS.charAt(k), DECIMAL_COMMA_NUMBER)) {
                    return new CsvFormat(DELIMITERS.charAt(k));
                }
            }
        }
        return new CsvFormat(DELIMITERS.charAt(best));
    }

    /** A number with a decimal point, as a cell may hold it (quoted, padded). */
    private static final java.util.regex.Pattern POINT_NUMBER =
            java.util.regex.Pattern.compile("\\s*\"?[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?\"?\\s*");
    /** A number with a decimal comma, digits on both sides of it ("2," is more likely a comma-separated cell). */
    private static final java.util.regex.Pattern DECIMAL_COMMA_NUMBER =
            java.util.regex.Pattern.compile("\\s*\"?[+-]?(\\d+(,\\d+)?|,\\d+)([eE][+-]?\\d+)?\"?\\s*");

    /** Whether every cell of {@code line} split at {@code delimiter} is a {@code number}. */
    private static boolean numbers(String line, char delimiter, java.util.regex.Pattern number) {
        CsvFormat format = new CsvFormat(delimiter);
        for (int from = 0; ; ) {
            int end = format.cellEnd(line, from);
            if (!number.matcher(line.substring(from, end)).matches()) {
                return false;
            }
            if (end == line.length()) {
                return true;
            }
            from = end + 1;
        }
    }

    public char delimiter() {
        return delimiter;
    }

    /** The delimiter in words, for messages: "commas", "semicolons", "tabs" or "bars". */
    public String delimiterName() {
        return switch (delimiter) {
            case '\t' -> "tabs";
            case ';' -> "semicolons";
            case '|' -> "bars";
            default -> "commas";
        };
    }

    /** Where the cell that starts at {@code from} ends: the next delimiter outside quotes, or the line's end. */
    public int cellEnd(String line, int from) {
        boolean quoted = false;
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == delimiter && !quoted) {
                return i;
            }
        }
        return line.length();
    }

    /** How many cells {@code line} holds. */
    public int columns(String line) {
        int columns = 0;
        for (int from = 0; from <= line.length(); from = cellEnd(line, from) + 1) {
            columns++;
        }
        return columns;
    }

    /** A line is a header when none of its cells is a number (NaN or infinity spelled out count as numbers). */
    public boolean isHeader(String line) {
        for (int from = 0; from <= line.length(); ) {
            int to = cellEnd(line, from);
            if (!Float.isNaN(number(line, from, to)) || isNonFiniteWord(line, from, to)) {
                return false;
            }
            from = to + 1;
        }
        return true;
    }

    /** The text of every cell of {@code line}, as {@link #text} reads each: a header's names. */
    public List<String> texts(String line) {
        List<String> cells = new ArrayList<>();
        for (int from = 0; from <= line.length(); from = cellEnd(line, from) + 1) {
            cells.add(text(line, from, cellEnd(line, from)));
        }
        return cells;
    }

    /** The text of cell {@code line[from, to)}: spaces around it and its quotes removed, doubled quotes undoubled. */
    public String text(String line, int from, int to) {
        String cell = line.substring(from, to).strip();
        boolean quoted = cell.length() >= 2 && cell.charAt(0) == '"' && cell.charAt(cell.length() - 1) == '"';
        return quoted ? cell.substring(1, cell.length() - 1).replace("\"\"", "\"") : cell;
    }

    /** The number in cell {@code line[from, to)}, its quotes removed and a decimal comma read as a point; NaN if none. */
    public float number(String line, int from, int to) {
        while (from < to && Character.isWhitespace(line.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(line.charAt(to - 1))) {
            to--;
        }
        if (to - from >= 2 && line.charAt(from) == '"' && line.charAt(to - 1) == '"') {
            from++;
            to--;
        }
        if (delimiter != ',') {
            // Bounded by the cell: an unbounded search ran to the line's end from every cell of a comma-free line,
            // quadratic in its length (seconds for 784 columns, hours for 10,000).
            if (line.indexOf(',', from, to) >= 0) {
                String point = line.substring(from, to).replace(',', '.');
                return plainNumber(point, 0, point.length());
            }
        }
        return plainNumber(line, from, to);
    }

    /**
     * What is wrong with cell {@code line[from, to)} that {@link #number} refused, in words: empty, not a number, or
     * a number that is not finite (NaN, infinity, overflowing float).
     */
    public String whyNotANumber(String line, int from, int to) {
        String cell = text(line, from, to);
        if (cell.isEmpty()) {
            return "empty cell, expected a number";
        }
        return isNonFiniteWord(line, from, to) ? printable(cell, CELL_LIMIT) + " is not a finite number"
                : quote(cell) + " is not a number";
    }

    /** A cell's text for an error message, in quotes: control characters escaped, cut to a recognisable length. */
    public static String quote(String cell) {
        return "'" + printable(cell, CELL_LIMIT) + "'";
    }

    /**
     * Text from a user's file made safe to show on one terminal line: control characters (escape sequences, carriage
     * returns, NULs) and invisible format characters become backslash escapes so they cannot drive the terminal, and
     * anything longer than {@code limit} is cut, with its real length stated.
     */
    public static String printable(String raw, int limit) {
        StringBuilder out = new StringBuilder(Math.min(raw.length(), limit) + 32);
        int n = Math.min(raw.length(), limit);
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if ((c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (raw.length() > limit) {
            out.append("... (").append(raw.length()).append(" characters)");
        }
        return out.toString();
    }

    /**
     * The cell {@code s[from, to)} (spaces around it allowed) as a finite float, or NaN when it is not one. Plain
     * integers, the usual pixel values, are parsed in place; anything else made only of number characters goes
     * through {@link Float#parseFloat} (whose Java-only suffixes and hex forms the character check keeps out).
     */
    private static float plainNumber(String s, int from, int to) {
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

    /** NaN and infinity spelled as numbers usually are, or a number beyond float's range: a wrong value, not a wrong kind of cell. */
    public boolean isNonFiniteWord(String line, int from, int to) {
        String cell = text(line, from, to).toLowerCase(Locale.ROOT);
        if (delimiter != ',') {
            cell = cell.replace(',', '.');
        }
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
}

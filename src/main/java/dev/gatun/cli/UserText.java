package dev.gatun.cli;

import dev.gatun.csv.CsvFormat;

/**
 * Text that came from a user's data or a command line, made safe to print on one terminal line: control characters
 * (escape sequences, carriage returns, NULs) are shown as backslash escapes (an ESC as x1b after a backslash) so they cannot drive the
 * terminal, and anything longer than a limit is cut, with its real length stated, so a 20 MB cell cannot become a
 * 20 MB error line.
 */
final class UserText {
    /** A cell quoted in an error message: enough to recognise it. */
    static final int CELL_LIMIT = 40;
    /** A whole error line. */
    static final int LINE_LIMIT = 1000;

    private UserText() {}

    /** {@code raw} with control characters escaped, cut to {@code limit} characters plus a note of the full length. */
    static String safe(String raw, int limit) {
        return CsvFormat.printable(raw, limit);
    }

    /** A cell for an error message. */
    static String cell(String raw) {
        return safe(raw, CELL_LIMIT);
    }
}

package dev.gatun.cli;

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

    /** A cell for an error message. */
    static String cell(String raw) {
        return safe(raw, CELL_LIMIT);
    }
}

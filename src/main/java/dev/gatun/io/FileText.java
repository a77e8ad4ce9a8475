package dev.gatun.io;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Text read from a model file, made fit for a one-line error message: a file's names and values are the file's,
 * not ours, and may hold line breaks, control characters or megabytes (a 100 MB field became a 100 MB message).
 */
final class FileText {
    /** Characters of one name or value kept in a message. */
    static final int MAX_CHARS = 100;
    /** Characters of a whole message quoting the file's text. */
    static final int MAX_LINE_CHARS = 1000;
    /** Names of a collection listed in a message; the rest are counted. */
    static final int MAX_NAMES = 10;

    private FileText() {}

    /**
     * {@code text} without line breaks, control or format characters (each a '?': a bidi override such as U+202E
     * turns the rest of a terminal line around), at most {@value #MAX_CHARS} characters.
     */
    static String clean(String text) {
        return clean(text, MAX_CHARS);
    }

    private static String clean(String text, int limit) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(limit + 1).forEach(c -> out.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                || Character.getType(c) == Character.FORMAT ? '?' : c));
        return out.length() > limit ? out.substring(0, limit) + "..." : out.toString();
    }

    /** A whole message that quotes the file's text: cleaned, cut only at {@value #MAX_LINE_CHARS} characters. */
    static String line(String text) {
        return clean(text, MAX_LINE_CHARS);
    }

    /** {@code text} cleaned and in single quotes. */
    static String quote(String text) {
        return "'" + clean(text) + "'";
    }

    /** The first {@value #MAX_NAMES} names, each cleaned, in brackets, and how many more there are. */
    static String list(Collection<String> names) {
        String shown = names.stream().limit(MAX_NAMES).map(FileText::clean).collect(Collectors.joining(", "));
        return "[" + shown + (names.size() > MAX_NAMES ? ", and " + (names.size() - MAX_NAMES) + " more" : "") + "]";
    }
}

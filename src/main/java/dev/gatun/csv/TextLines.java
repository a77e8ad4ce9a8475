package dev.gatun.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A text file's lines (UTF-8, gzipped or not), split as {@link java.io.BufferedReader#readLine} splits them (at
 * {@code \n}, {@code \r} or {@code \r\n}), each at most a bounded number of characters. readLine has no bound: a file
 * without line breaks, or a small gzipped one that expands to a single line of gigabytes, filled the heap before its
 * first row could be checked, and the error named neither the file nor the line.
 */
public final class TextLines implements Closeable {
    private static final int BUFFER = 1 << 16;

    /** A line longer than the bound: the caller names its file; {@link #line} is its 1-based number. */
    public static final class TooLong extends IOException {
        private final long line;
        private final int maxChars;

        TooLong(long line, int maxChars) {
            super("line " + line + " is longer than " + maxChars + " characters (" + WHY + ")");
            this.line = line;
            this.maxChars = maxChars;
        }

        public long line() {
            return line;
        }

        public int maxChars() {
            return maxChars;
        }
    }

    /** What a line over the bound usually is, and the way out when it is a real row. */
    public static final String WHY = "no line break where one was expected, or a row too wide for this JVM's heap of "
            + (Runtime.getRuntime().maxMemory() >> 20) + " MB: GATUN_JAVA_OPTS=-Xmx... raises it";

    private final Reader in;
    private final int maxChars;
    private final char[] buffer = new char[BUFFER];
    private final StringBuilder current = new StringBuilder();
    private int pos;
    private int end;
    private long lines;
    /** The last line ended at a {@code \r}: a {@code \n} right after it belongs to that break. */
    private boolean skipLineFeed;

    private TextLines(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /** The lines of {@code file}, each of at most {@link #defaultMaxChars()} characters. */
    public static TextLines open(Path file) throws IOException {
        return open(file, defaultMaxChars());
    }

    /** The lines of {@code file}, each of at most {@code maxChars} characters. */
    public static TextLines open(Path file, int maxChars) throws IOException {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
        }
        return new TextLines(new InputStreamReader(MaybeGzipped.open(file), StandardCharsets.UTF_8), maxChars);
    }

    /**
     * A sixteenth of the heap in characters. A line's builder takes two bytes a character once it holds one past
     * U+00FF, grows by doubling (the old array alive while the new one fills) and is copied into its String: up to
     * about six bytes a character at once, so a line at the bound takes at most about 40% of the heap.
     */
    public static int defaultMaxChars() {
        return (int) Math.min(Integer.MAX_VALUE - 64, Runtime.getRuntime().maxMemory() / 16);
    }

    /**
     * The next line without its break, or null at the end of the file.
     *
     * @throws TooLong the line is longer than the bound (nothing of it is kept)
     */
    public String next() throws IOException {
        current.setLength(0);
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(buffer, 0, buffer.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (!any) {
                        return null;
                    }
                    lines++;
                    return current.toString();
                }
            }
            if (skipLineFeed) {
                skipLineFeed = false;
                if (buffer[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            any = true;
            int start = pos;
            while (pos < end && buffer[pos] != '\n' && buffer[pos] != '\r') {
                pos++;
            }
            if ((long) current.length() + (pos - start) > maxChars) {
                current.setLength(0);
                current.trimToSize();
                throw new TooLong(lines + 1, maxChars);
            }
            current.append(buffer, start, pos - start);
            if (pos < end) {
                skipLineFeed = buffer[pos] == '\r';
                pos++;
                lines++;
                return current.toString();
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

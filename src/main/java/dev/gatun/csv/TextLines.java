package dev.gatun.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A text file's lines (UTF-8, refused with the line where it is not; gzipped or not), split as {@link java.io.BufferedReader#readLine} splits them (at
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

    /**
     * Bytes that are not UTF-8 on line {@link #line} (1-based): a file saved as Latin-1 or Windows-1252. Decoded with
     * replacement characters instead, {@code Müller} and {@code Möller} would both read {@code M\uFFFDller}: two
     * labels merged into one class without a word.
     */
    public static final class NotUtf8 extends IOException {
        private final long line;
        private final String bytes;

        NotUtf8(long line, String bytes) {
            super("line " + line + " is not UTF-8 text (bytes " + bytes + "): save the file as UTF-8");
            this.line = line;
            this.bytes = bytes;
        }

        public long line() {
            return line;
        }

        /** The offending bytes in hex, {@code 0xFC} style. */
        public String bytes() {
            return bytes;
        }
    }

    /** What a line over the bound usually is, and the way out when it is a real row. */
    public static final String WHY = "no line break where one was expected, or a row too wide for this JVM's heap of "
            + (Runtime.getRuntime().maxMemory() >> 20) + " MB: GATUN_JAVA_OPTS=-Xmx... raises it";

    private final InputStream in;
    /** Refuses malformed input rather than replacing it, and says where: see {@link NotUtf8}. */
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    /** Bytes read and not yet decoded (at most one incomplete character between fills); starts empty. */
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER).flip();
    private boolean endOfBytes;
    private boolean flushed;
    private final int maxChars;
    private final char[] buffer = new char[BUFFER];
    private final CharBuffer chars = CharBuffer.wrap(buffer);
    private final StringBuilder current = new StringBuilder();
    private int pos;
    private int end;
    private long lines;
    /** The last line ended at a {@code \r}: a {@code \n} right after it belongs to that break. */
    private boolean skipLineFeed;

    private TextLines(InputStream in, int maxChars) {
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
        return new TextLines(MaybeGzipped.open(file), maxChars);
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
                end = decode();
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

    /**
     * Fills {@code buffer} from its start with the next characters: how many, or -1 at the end of the file. The decoder
     * stops before a malformed sequence, so the characters ahead of it are returned first and the error is raised on
     * the next call, when the line it is on is the one being read.
     */
    private int decode() throws IOException {
        if (flushed) {
            return -1;
        }
        chars.clear();
        while (true) {
            CoderResult result = decoder.decode(bytes, chars, endOfBytes);
            if (result.isError()) {
                if (chars.position() > 0) {
                    return chars.position();
                }
                throw new NotUtf8(lines + 1, hex(result.length()));
            }
            if (result.isOverflow() || chars.position() > 0) {
                return chars.position();
            }
            if (endOfBytes) {
                decoder.flush(chars);
                flushed = true;         // the decoder takes no more input once flushed
                return chars.position() > 0 ? chars.position() : -1;
            }
            bytes.compact();
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) {
                endOfBytes = true;
            } else {
                bytes.position(bytes.position() + n);
            }
            bytes.flip();
        }
    }

    private String hex(int count) {
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < count; k++) {
            text.append(k == 0 ? "" : " ").append(String.format("0x%02X", bytes.get(bytes.position() + k) & 0xFF));
        }
        return text.toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

package dev.gatun.csv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines split exactly as BufferedReader.readLine splits them (the reference), and a bound that names the line. */
class TextLinesTest {
    @TempDir
    Path dir;

    @Test
    void splitsAsReadLineDoes() throws IOException {
        String wide = "x".repeat((1 << 16) - 1);   // puts a break on the 64 Ki-character buffer's edge
        String[] texts = {"", "a", "a\n", "a\nb", "a\r\nb\r\n", "a\rb\r", "\n\n\r\n\r", "a\r\n\r\nb",
            wide + "\r\nnext", wide + "\rnext", wide + "\n\nnext", wide + "yz\r\n" + wide, "é,ü\n€,1"};
        for (String text : texts) {
            assertEquals(readLines(text), lines(text, Integer.MAX_VALUE - 64), printable(text));
        }
    }

    @Test
    void aLineOverTheBoundIsRefusedWithItsNumber() throws IOException {
        Path file = Files.writeString(dir.resolve("t.csv"), "ab\nabcd\nabcdef\n");
        try (TextLines lines = TextLines.open(file, 4)) {
            assertEquals("ab", lines.next());
            assertEquals("abcd", lines.next(), "the bound itself is allowed");
            TextLines.TooLong e = assertThrows(TextLines.TooLong.class, lines::next);
            assertEquals(3, e.line());
            assertEquals(4, e.maxChars());
            assertTrue(e.getMessage().startsWith("line 3 is longer than 4 characters"), e.getMessage());
        }
    }

    @Test
    void charactersAcrossTheByteBuffersEdgeAreDecodedWhole() throws IOException {
        for (int shift = 1; shift <= 3; shift++) {
            String text = "x".repeat((1 << 16) - shift) + "é€𝄞\nnext,ü";   // 2-, 3- and 4-byte characters on the edge
            assertEquals(readLines(text), lines(text, Integer.MAX_VALUE - 64), "shift " + shift);
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedOnTheirLine() throws IOException {
        // "Müller" in Latin-1: 0xFC where UTF-8 needs a two-byte sequence.
        byte[] latin1 = "label,x\nM\u00fcller,1\n".getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(dir.resolve("latin1.csv"), concat("ok,0\n".getBytes(StandardCharsets.UTF_8), latin1));
        try (TextLines lines = TextLines.open(file)) {
            assertEquals("ok,0", lines.next());
            assertEquals("label,x", lines.next());
            TextLines.NotUtf8 e = assertThrows(TextLines.NotUtf8.class, lines::next);
            assertEquals(3, e.line());
            assertEquals("0xFC", e.bytes());
            assertTrue(e.getMessage().startsWith("line 3 is not UTF-8 text (bytes 0xFC)"), e.getMessage());
        }
        // Far past the first buffer: the lines ahead of the bad byte are still read, and the number is its line's.
        StringBuilder many = new StringBuilder();
        for (int i = 1; i <= 20_000; i++) {
            many.append(i).append(",row\n");
        }
        Path far = Files.write(dir.resolve("far.csv"), concat(many.toString().getBytes(StandardCharsets.UTF_8),
                new byte[] {'a', (byte) 0xE9, '\n'}));
        try (TextLines lines = TextLines.open(far)) {
            for (int i = 1; i <= 20_000; i++) {
                assertEquals(i + ",row", lines.next());
            }
            assertEquals(20_001, assertThrows(TextLines.NotUtf8.class, lines::next).line());
        }
        // A multi-byte character cut off by the end of the file.
        Path cut = Files.write(dir.resolve("cut.csv"), new byte[] {'a', '\n', 'b', (byte) 0xE2, (byte) 0x82});
        try (TextLines lines = TextLines.open(cut)) {
            assertEquals("a", lines.next());
            TextLines.NotUtf8 e = assertThrows(TextLines.NotUtf8.class, lines::next);
            assertEquals(2, e.line());
            assertEquals("0xE2 0x82", e.bytes());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void gzippedFilesAreReadThrough() throws IOException {
        Path file = dir.resolve("t.csv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("1,2\r\n3,4".getBytes(StandardCharsets.UTF_8));
        }
        try (TextLines lines = TextLines.open(file)) {
            assertEquals("1,2", lines.next());
            assertEquals("3,4", lines.next());
            assertEquals(null, lines.next());
        }
    }

    private List<String> lines(String text, int max) throws IOException {
        Path file = Files.writeString(dir.resolve("lines.txt"), text);
        List<String> out = new ArrayList<>();
        try (TextLines lines = TextLines.open(file, max)) {
            for (String s = lines.next(); s != null; s = lines.next()) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<String> readLines(String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new StringReader(text))) {
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                out.add(s);
            }
        }
        return out;
    }

    private static String printable(String text) {
        String shown = text.length() > 40 ? text.substring(0, 20) + "…" + text.substring(text.length() - 20) : text;
        return shown.replace("\r", "\\r").replace("\n", "\\n") + " (" + text.length() + " chars)";
    }
}

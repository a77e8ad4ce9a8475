package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each malformed file gets a {@link DataFileException} naming the file, the field, expected and found. */
class IdxValidationTest {
    @TempDir
    Path dir;

    private DataFileException rejected(String name, byte[] bytes) throws IOException {
        Path file = IdxTestFiles.write(dir.resolve(name), bytes);
        return rejected(file);
    }

    private DataFileException rejected(Path file) {
        DataFileException e = assertThrows(DataFileException.class,
                () -> IdxFile.open(file, IdxCache.at(dir.resolve("cache"))).close());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("expected " + e.expected()) && e.getMessage().contains("found " + e.found()),
                e.getMessage());
        return e;
    }

    private static void assertField(DataFileException e, String field, long offset, String expectedPart, String foundPart) {
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.expected().contains(expectedPart), "expected '" + e.expected() + "' to mention " + expectedPart);
        assertTrue(e.found().contains(foundPart), "found '" + e.found() + "' to mention " + foundPart);
    }

    private static byte[] header(int type, int... dims) {
        byte[] bytes = new byte[4 + 4 * dims.length];
        bytes[2] = (byte) type;
        bytes[3] = (byte) dims.length;
        for (int i = 0; i < dims.length; i++) {
            bytes[4 + 4 * i] = (byte) (dims[i] >>> 24);
            bytes[5 + 4 * i] = (byte) (dims[i] >>> 16);
            bytes[6 + 4 * i] = (byte) (dims[i] >>> 8);
            bytes[7 + 4 * i] = (byte) dims[i];
        }
        return bytes;
    }

    private static byte[] valid() {
        return IdxTestFiles.bytes(IdxType.SHORT, new int[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
    }

    @Test
    void missingFile() {
        assertField(rejected(dir.resolve("nothing-here")), "file", DataFileException.NO_OFFSET, "an existing file",
                "no such file");
        assertField(rejected(dir.resolve("nothing-here.gz")), "file", DataFileException.NO_OFFSET, "an existing file",
                "no such file");
    }

    @Test
    void directoryInsteadOfFile() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        assertField(rejected(sub), "file", DataFileException.NO_OFFSET, "a regular file", "a directory");
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        assertField(rejected("empty", new byte[0]), "magic number", 0, "4 bytes", "0 bytes");
        assertField(rejected("three", new byte[] {0, 0, 8}), "magic number", 0, "4 bytes", "3 bytes");
    }

    @Test
    void badMagic() throws IOException {
        byte[] bytes = valid();
        bytes[0] = 0x1F;
        assertField(rejected("magic", bytes), "magic number", 0, "0x00 0x00", "0x1F 0x00");
    }

    @Test
    void unsupportedTypeCode() throws IOException {
        byte[] bytes = valid();
        bytes[2] = 0x0A;
        assertField(rejected("type", bytes), "type code", 2, "0x08 (unsigned byte)", "0x0A");
    }

    @Test
    void rankZero() throws IOException {
        assertField(rejected("rank0", new byte[] {0, 0, 8, 0, 1, 2, 3}), "rank", 3, "1 to 255", "0");
    }

    @Test
    void headerCutShort() throws IOException {
        byte[] bytes = Arrays.copyOf(header(8, 2, 3, 4), 10);
        assertField(rejected("cut", bytes), "dimensions", 4, "12 bytes for 3 dimensions", "6 bytes");
    }

    @Test
    void zeroNegativeAndOverflowingDimensions() throws IOException {
        assertField(rejected("zero", header(8, 5, 0)), "dimension 1", 8, "a positive size", "0");
        assertField(rejected("negative", header(8, 5, 2, -7)), "dimension 2", 12, "a positive size", "-7");
        int max = Integer.MAX_VALUE;
        assertField(rejected("overflow", header(0x0E, max, max, max)), "dimensions", 4,
                "at most " + Long.MAX_VALUE + " bytes", "(2147483647, 2147483647, 2147483647)");
    }

    @Test
    void bodyShorterOrLongerThanTheHeaderSays() throws IOException {
        byte[] ok = valid();
        assertField(rejected("short", Arrays.copyOf(ok, ok.length - 1)), "body", 12, "12 bytes", "11 bytes");
        assertField(rejected("long", Arrays.copyOf(ok, ok.length + 3)), "body", 12, "12 bytes", "15 bytes");
        assertField(rejected("headerOnly", Arrays.copyOf(ok, 12)), "body", 12, "12 bytes", "0 bytes");
    }

    @Test
    void gzipStreamsThatAreBroken() throws IOException {
        byte[] gz = IdxTestFiles.gzip(IdxTestFiles.bytes(IdxType.INT, new int[] {50}, new double[50]));
        assertField(rejected("truncated.gz", Arrays.copyOf(gz, gz.length - 6)), "gzip stream",
                DataFileException.NO_OFFSET, "a complete gzip stream", "EOFException");
        byte[] badCrc = gz.clone();
        badCrc[badCrc.length - 6] ^= 0x55;
        assertField(rejected("crc.gz", badCrc), "gzip stream", DataFileException.NO_OFFSET, "a complete gzip stream",
                "ZipException");
        // Gzip is told by the first bytes, not the name: an empty file is an IDX file without a magic number.
        assertField(rejected("empty.gz", new byte[0]), "magic number", 0, "4 bytes", "0 bytes");
        assertField(rejected("magicOnly", new byte[] {0x1f, (byte) 0x8b}), "gzip stream", DataFileException.NO_OFFSET,
                "a complete gzip stream", "EOFException");
    }

    @Test
    void gzipBodyShorterOrLongerThanTheHeaderSays() throws IOException {
        byte[] ok = valid();
        assertField(rejected("short.gz", IdxTestFiles.gzip(Arrays.copyOf(ok, ok.length - 2))), "body", 12, "12 bytes",
                "10 bytes");
        assertField(rejected("long.gz", IdxTestFiles.gzip(Arrays.copyOf(ok, ok.length + 100))),
                "body (decompressed)", 12, "12 bytes", "longer than its header says");
        assertField(rejected("badheader.gz", IdxTestFiles.gzip(new byte[] {0, 0, 0x42, 1})), "type code", 2, "0x0E",
                "0x42");
    }
}

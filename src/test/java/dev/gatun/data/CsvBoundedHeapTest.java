package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CSV file four times larger than the heap is parsed and read back: the parse streams into the off-heap cache
 * and the table lives in a mapping, so neither needs the file's size in heap. Run in a child JVM with
 * {@value #HEAP}, the only way to bound the heap of the code under test.
 */
class CsvBoundedHeapTest {
    private static final String HEAP = "-Xmx16m";
    private static final int ROWS = 240_000;
    private static final int COLUMNS = 40;

    @TempDir
    Path dir;

    @Test
    void aFileLargerThanTheHeapParses() throws IOException, InterruptedException {
        Path csv = dir.resolve("large.csv");
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < ROWS; i++) {
                line.setLength(0);
                line.append(i % 7);
                for (int j = 1; j < COLUMNS; j++) {
                    line.append(',').append((i * 31 + j * 17) % 1000).append(".125");
                }
                out.write(line.append('\n').toString());
            }
        }
        assertTrue(Files.size(csv) > 4 * 16L * (1 << 20), "the file must dwarf the heap: " + Files.size(csv));
        String output = readInChild(csv);
        assertTrue(output.contains("rows " + ROWS + " features " + (COLUMNS - 1) + " classes 7"), output);
        // Row 123 457, feature 5 (the file's 7th column, j = 6): ((123457·31 + 6·17) mod 1000) + 0.125.
        assertTrue(output.contains("value " + ((123_457 * 31 + 6 * 17) % 1000 + 0.125f)), output);
    }

    /**
     * A gzipped file of well under a megabyte whose second line is 80 million characters with no line break (a row
     * that could not be one in this heap): refused naming the file and the line, where reading the line whole ran the
     * heap out.
     */
    @Test
    void aLineLongerThanTheHeapCanHoldIsRefusedNamingIt() throws IOException, InterruptedException {
        Path csv = dir.resolve("one-line.csv.gz");
        try (java.io.Writer out = new java.io.OutputStreamWriter(new java.util.zip.GZIPOutputStream(
                Files.newOutputStream(csv)), StandardCharsets.UTF_8)) {
            out.write("a,b\n");
            String chunk = "1,".repeat(1 << 16);
            for (int i = 0; i < 80_000_000 / chunk.length(); i++) {
                out.write(chunk);
            }
        }
        String output = readInChild(csv);
        assertTrue(output.contains("refused: " + csv + ": line 2: expected at most ")
                && output.contains(" characters per line"), output);
        assertTrue(output.contains("heap of"), output);
    }

    /** What {@link Probe} printed reading {@code csv} in a child JVM with {@value #HEAP}, which must exit with 0. */
    private String readInChild(Path csv) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(List.of(java, HEAP, "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), csv.toString(), dir.resolve("cache").toString()))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), output);
        return output;
    }

    /** The child JVM's side: read the table and print what the parent checks (a refused file's message). */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            CsvOptions options = CsvOptions.classification("1").withCache(IdxCache.at(Path.of(args[1])));
            try (Table table = CsvReader.read(Path.of(args[0]), options)) {
                DataSet data = table.dataSet();
                System.out.println("rows " + data.size() + " features " + data.features() + " classes " + data.classes());
                System.out.println("value " + data.row(123_457).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5));
            } catch (DataFileException refused) {
                System.out.println("refused: " + refused.getMessage());
            }
        }
    }
}

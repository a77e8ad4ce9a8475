package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.data.IdxCache;
import dev.gatun.data.IdxTestFiles;
import dev.gatun.data.IdxType;
import dev.gatun.data.MnistDirectory;
import dev.gatun.nn.Loss;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class PredictCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path images;
    static int[] expected;
    static List<float[]> rows = new ArrayList<>();

    @BeforeAll
    static void trainAModel() throws IOException {
        System.setProperty(IdxCache.PROPERTY, dir.resolve("cache").toString());
        model = TrainedClassifier.write(dir);
        images = dir.resolve("data").resolve("t10k-images-idx3-ubyte");
        try (MnistDirectory mnist = LearnableData.load(dir.resolve("data"))) {
            DataSet test = mnist.test();
            expected = TrainedClassifier.classify(model, test);
            for (int i = 0; i < test.size(); i++) {
                rows.add(TrainedClassifier.pixels(test, i));
            }
        }
    }

    @AfterAll
    static void restoreCache() {
        System.clearProperty(IdxCache.PROPERTY);
    }

    private static CommandRun predict(Path input, String... more) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--input", input.toString()));
        args.addAll(List.of(more));
        return CommandRun.gatun(args.toArray(String[]::new));
    }

    @SuppressWarnings("unchecked")
    private static void assertJsonClasses(CommandRun run) {
        assertEquals(0, run.exit(), run.err());
        assertEquals(1, run.out().strip().lines().count(), "--json prints one object");
        List<Map<String, Object>> predictions = (List<Map<String, Object>>) MiniJson.object(run.out().strip()).get("predictions");
        assertEquals(expected.length, predictions.size());
        for (int i = 0; i < expected.length; i++) {
            Map<String, Object> p = predictions.get(i);
            assertEquals(i, ((Number) p.get("row")).intValue());
            assertEquals(expected[i], ((Number) p.get("class")).intValue(), "row " + i);
            List<Object> probabilities = (List<Object>) p.get("probabilities");
            assertEquals(LearnableData.CLASSES, probabilities.size());
            double sum = 0;
            double max = 0;
            for (Object q : probabilities) {
                sum += ((Number) q).doubleValue();
                max = Math.max(max, ((Number) q).doubleValue());
            }
            assertEquals(1, sum, 1e-5, "row " + i);
            assertEquals(max, ((Number) p.get("probability")).doubleValue(), 0, "row " + i);
        }
    }

    @Test
    void idxImagesPlainAndGzippedGiveThePredictorsClasses() throws IOException {
        assertJsonClasses(predict(images, "--json"));
        Path gz = dir.resolve("images.idx3.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(images, out);
        }
        assertJsonClasses(predict(gz, "--json"));
        // Gzipped under a plain name: told by its bytes, as the README promises, not refused for its magic number.
        Path unnamed = Files.copy(gz, dir.resolve("images.idx3"));
        assertJsonClasses(predict(unnamed, "--json"));
    }

    @Test
    void aBrokenGzipStreamIsNamedWithItsFile() throws IOException {
        Path csv = writeCsv("rows.csv", rows.size());
        Path gz = dir.resolve("rows.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(csv, out);
        }
        byte[] whole = Files.readAllBytes(gz);
        Path truncated = Files.write(dir.resolve("truncated.csv.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        CommandRun.assertOneLineError(predict(truncated), Main.EXIT_ERROR, truncated + ": gzip stream: expected a"
                + " complete gzip stream, found EOFException");
        Path magicOnly = Files.write(dir.resolve("magic.gz"), new byte[] {0x1f, (byte) 0x8b});
        CommandRun.assertOneLineError(predict(magicOnly), Main.EXIT_ERROR, magicOnly + ": gzip stream: expected a"
                + " complete gzip stream");
        Path latin1 = Files.write(dir.resolve("latin1.csv"), new byte[] {'1', ',', (byte) 0xE9, '\n'});
        CommandRun.assertOneLineError(predict(latin1), Main.EXIT_ERROR, latin1 + ": line 1 is not UTF-8 text (bytes 0xE9)");
    }

    /** A reader that goes away (predict ... | head) stops the run at the next batch, not at the end of the input. */
    @Test
    void aClosedOutputStopsTheRunAtTheNextBatch() throws IOException {
        CommandRun run = intoAStreamThatFailsAfter(100, writeCsv("many.csv", 1, 3 * PredictCommand.BATCH));
        assertEquals(Main.EXIT_ERROR, run.exit(), run.err());
        assertTrue(run.err().contains("standard output was closed or could not be written; stopped after "
                + PredictCommand.BATCH + " rows"), run.err());
        // Output that fails in the last batch, after the loop's last check (a full disk): exit 1 all the same.
        CommandRun small = intoAStreamThatFailsAfter(40, writeCsv("few.csv", 5));   // past the header
        assertEquals(Main.EXIT_ERROR, small.exit(), small.err());
        assertTrue(small.err().contains("the last of the 5 rows may be missing"), small.err());
    }

    /** predict's run over {@code input} with stdout failing after {@code bytes}, as a closed pipe or a full disk does. */
    private static CommandRun intoAStreamThatFailsAfter(int bytes, Path input) {
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(new OutputStream() {
                private int written;

                @Override
                public void write(int b) throws IOException {
                    if (++written > bytes) {
                        throw new IOException("Broken pipe");
                    }
                }
            }, true));
            System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
            int exit = Main.run("predict", "--model", model.toString(), "--input", input.toString());
            return new CommandRun(exit, "", stderr.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /**
     * An exact tie (all-zero weights) classifies as Predictor.classify does: class 1 for one sigmoid output at 0.5,
     * the lower class for two softmax outputs.
     */
    @Test
    void anExactTieGoesWhereClassifyPutsIt() throws IOException {
        Path csv = Files.writeString(dir.resolve("tie.csv"), "1,2,3\n");
        for (int outputs : new int[] {1, 2}) {
            Path tied = dir.resolve("tied-" + outputs + ".gatun");
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
                 dev.gatun.nn.Model m = dev.gatun.nn.Model.builder(3)
                         .output(outputs, outputs == 1 ? Loss.BINARY_CROSS_ENTROPY : Loss.SOFTMAX_CROSS_ENTROPY)
                         .init(dev.gatun.nn.Init.ZEROS).build(arena)) {
                dev.gatun.io.ModelIo.save(tied, m, dev.gatun.data.Normalization.none(3), Map.of());
            }
            CommandRun run = CommandRun.gatun("predict", "--model", tied.toString(), "--input", csv.toString());
            assertEquals(0, run.exit(), run.toString());
            String[] cells = run.out().lines().skip(1).findFirst().orElseThrow().split("\t");
            assertEquals(outputs == 1 ? "1" : "0", cells[1], run.out());
            assertEquals("0.5000", cells[2], run.out());
        }
    }

    /** --quiet silences messages, not the predictions: they are the command's output. */
    @Test
    void quietKeepsThePredictions() throws IOException {
        Path csv = writeCsv("quiet.csv", 5);
        CommandRun loud = predict(csv);
        CommandRun quiet = predict(csv, "--quiet");
        assertEquals(0, quiet.exit(), quiet.toString());
        assertEquals(6, quiet.out().lines().count(), quiet.toString());
        assertEquals(loud.out(), quiet.out());
        assertEquals("", quiet.err(), quiet.toString());
    }

    /** Probabilities are written with a decimal point whatever the JVM's locale: scripts read them as numbers. */
    @Test
    void probabilitiesIgnoreTheLocale() throws IOException {
        Path csv = writeCsv("locale.csv", 5);
        java.util.Locale before = java.util.Locale.getDefault();
        CommandRun run;
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            run = predict(csv, "--top", "2");
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertEquals(0, run.exit(), run.toString());
        for (String line : run.out().lines().skip(1).toList()) {
            String[] cells = line.split("\t");
            assertTrue(cells[2].matches("[01]\\.[0-9]{4}"), line);
            assertTrue(cells[3].matches("[0-9]+:[01]\\.[0-9]{4} [0-9]+:[01]\\.[0-9]{4}"), line);
        }
    }

    @Test
    void csvRowsWithAHeaderGiveThePredictorsClasses() throws IOException {
        Path csv = writeCsv("images.csv", rows.size());
        assertJsonClasses(predict(csv, "--json"));
        CommandRun text = predict(csv, "--top", "2");
        assertEquals(0, text.exit(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(expected.length + 1, lines.size(), "a header line, then one line per row");
        for (int i = 0; i < expected.length; i++) {
            String[] cells = lines.get(i + 1).split("\t");
            assertEquals(Integer.toString(i), cells[0]);
            assertEquals(Integer.toString(expected[i]), cells[1], "row " + i);
            String[] top = cells[3].split(" ");
            assertEquals(2, top.length, lines.get(i + 1));
            assertTrue(top[0].startsWith(expected[i] + ":" + cells[2]), lines.get(i + 1));
            assertTrue(Double.parseDouble(top[0].split(":")[1]) >= Double.parseDouble(top[1].split(":")[1]), lines.get(i + 1));
        }
    }

    @Test
    void aSingleImageOfAnyRankIsOneSample() throws IOException {
        double[] values = new double[LearnableData.FEATURES];
        for (int j = 0; j < values.length; j++) {
            values[j] = rows.get(7)[j];
        }
        for (int[] shape : List.of(new int[] {8, 8}, new int[] {64}, new int[] {1, 1, 8, 8})) {
            Path file = IdxTestFiles.write(dir.resolve("one" + shape.length + ".idx"), IdxType.FLOAT, shape, values);
            CommandRun run = predict(file, "--json");
            assertEquals(0, run.exit(), run.err());
            Map<String, Object> json = MiniJson.object(run.out().strip());
            List<?> predictions = (List<?>) json.get("predictions");
            assertEquals(1, predictions.size());
            assertEquals(expected[7], ((Number) ((Map<?, ?>) predictions.getFirst()).get("class")).intValue());
        }
    }

    @Test
    void semicolonTabAndQuotedCsvGiveTheSameClasses() throws IOException {
        for (String delimiter : List.of(";", "\t", "|")) {
            StringBuilder csv = new StringBuilder();
            StringJoiner header = new StringJoiner(delimiter);
            for (int j = 0; j < LearnableData.FEATURES; j++) {
                header.add("\"pixel " + j + ", raw\""); // a delimiter-looking comma inside a quoted header cell
            }
            csv.append(header).append('\n');
            for (float[] row : rows) {
                StringJoiner line = new StringJoiner(delimiter);
                for (int j = 0; j < row.length; j++) {
                    // Quoted cells and, where the delimiter allows it, decimal commas as spreadsheets write them.
                    String value = j % 2 == 0 ? Float.toString(row[j]).replace('.', ',') : Float.toString(row[j]);
                    line.add(j % 3 == 0 ? "\"" + value + "\"" : value);
                }
                csv.append(line).append('\n');
            }
            Path file = Files.writeString(dir.resolve("rows" + (int) delimiter.charAt(0) + ".csv"), csv);
            assertJsonClasses(predict(file, "--json"));
        }
        Path quotedCommas = Files.writeString(dir.resolve("quoted.csv"), "\"1\",\"2\"\n");
        CommandRun twoColumns = predict(quotedCommas);
        assertTrue(twoColumns.err().contains("2 columns (separated by commas) but the model takes 64 inputs"),
                twoColumns.err());
    }

    private static Path writeCsv(String name, int n) throws IOException {
        return writeCsv(name, n, 1);
    }

    /** The first {@code n} test rows as CSV with a header, {@code times} over. */
    private static Path writeCsv(String name, int n, int times) throws IOException {
        StringBuilder csv = new StringBuilder();
        StringJoiner header = new StringJoiner(",");
        for (int j = 0; j < LearnableData.FEATURES; j++) {
            header.add("pixel" + j);
        }
        csv.append(header).append('\n');
        for (int k = 0; k < n * times; k++) {
            int i = k % n;
            StringJoiner line = new StringJoiner(", ");
            for (float v : rows.get(i)) {
                // Mix the spellings a CSV may use: integers, decimals and exponents of the same values.
                line.add(switch ((i + (int) v) % 3) {
                    case 0 -> Integer.toString((int) v);
                    case 1 -> v + "";
                    default -> (v / 100) + "e2";
                });
            }
            csv.append(line).append(i % 50 == 0 ? "\r\n" : "\n");
        }
        return Files.writeString(dir.resolve(name), csv);
    }

    private static Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String row(String... cells) {
        StringJoiner line = new StringJoiner(",");
        for (int j = 0; j < LearnableData.FEATURES; j++) {
            line.add(j < cells.length ? cells[j] : "1");
        }
        return line.toString();
    }

    @Test
    void badCsvInputNamesTheLineTheColumnAndTheProblem() throws IOException {
        String good = row();
        int err = Main.EXIT_ERROR;
        CommandRun.assertOneLineError(predict(file("short.csv", good + "\n" + good + "\n1,2,3\n")), err,
                "short.csv line 3", "3 columns", "64 inputs");
        CommandRun.assertOneLineError(predict(file("label.csv", "h\n" + good + ",9\n")), err,
                "line 2", "65 columns", "64 inputs", "label column");
        CommandRun.assertOneLineError(predict(file("word.csv", good + "\n" + row("1", "2", "abc") + "\n")), err,
                "line 2 column 3", "'abc' is not a number");
        CommandRun.assertOneLineError(predict(file("blank.csv", row("1", "") + "\n")), err, "line 1 column 2", "empty cell");
        CommandRun.assertOneLineError(predict(file("nan.csv", good + "\n\n" + row("NaN") + "\n")), err,
                "line 3 column 1", "NaN is not a finite number");
        CommandRun.assertOneLineError(predict(file("inf.csv", row("1", "1e50") + "\n")), err, "line 1 column 2", "not a finite number");
        CommandRun.assertOneLineError(predict(file("empty.csv", "")), err, "empty.csv", "empty");
        CommandRun.assertOneLineError(predict(file("blanks.csv", "\n  \n")), err, "blanks.csv", "no rows");
        CommandRun.assertOneLineError(predict(file("header.csv", "a,b,c\n")), err, "header.csv", "only a header line");
        CommandRun.assertOneLineError(predict(dir.resolve("missing.csv")), err, "missing.csv", "does not exist");
        CommandRun.assertOneLineError(predict(file("ok.csv", good + "\n"), "--top", "0"), Main.EXIT_USAGE, "--top must be >= 1");
        CommandRun.assertOneLineError(predict(file("ok.csv", good + "\n"), "--top", "5"), Main.EXIT_USAGE, "--top 5", "4 classes");
    }

    @Test
    void badIdxInputAndWrongModelsAreOneLineErrors() throws IOException {
        int err = Main.EXIT_ERROR;
        Path odd = IdxTestFiles.write(dir.resolve("odd.idx"), IdxType.UNSIGNED_BYTE, new int[] {2, 9, 9}, new double[162]);
        CommandRun.assertOneLineError(predict(odd), err, "odd.idx", "(2, 9, 9)", "64 inputs");
        double[] values = new double[3 * 64];
        values[64 + 5] = Double.NaN;
        Path nan = IdxTestFiles.write(dir.resolve("nan.idx"), IdxType.FLOAT, new int[] {3, 64}, values);
        CommandRun.assertOneLineError(predict(nan), err, "nan.idx", "sample 1 element 5 is NaN");
        Path sigmoids = TrainedClassifier.untrained(dir.resolve("sigmoids.gatun"), 64, 3, Loss.BINARY_CROSS_ENTROPY);
        CommandRun.assertOneLineError(CommandRun.gatun("predict", "--model", sigmoids.toString(), "--input",
                images.toString()), err, "needs a classifier");
        // A damaged magic: read as CSV it failed on "line 3 is not UTF-8 text", or found "only a header line".
        byte[] idx = Files.readAllBytes(odd);
        for (byte[] magic : new byte[][] {{0x12, 0x34}, {0, 1}}) {
            idx[0] = magic[0];
            idx[1] = magic[1];
            Path damaged = Files.write(dir.resolve("damaged.idx"), idx);
            CommandRun.assertOneLineError(predict(damaged), err, damaged + ": input is neither IDX (whose first two"
                    + " bytes are zero) nor CSV text: it starts with the bytes " + String.format("%02x %02x 08 03",
                    magic[0], magic[1]));
        }
    }
}

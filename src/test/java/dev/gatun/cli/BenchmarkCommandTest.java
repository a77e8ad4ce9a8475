package dev.gatun.cli;

import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class BenchmarkCommandTest {
    @TempDir
    Path dir;

    private static double field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.Ee]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    /** A 20-16-4 softmax model saved in the temporary directory. */
    private Path smallModel() throws Exception {
        Path file = dir.resolve("small.gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(20).dense(16, Activation.RELU).output(4, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena)) {
            ModelIo.save(file, model, Normalization.scaleToUnit(20), Map.of());
        }
        return file;
    }

    @Test
    void reportsPercentilesThroughputAndMemoryAsJson() throws Exception {
        Path file = smallModel();
        CommandRun run = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch", "3",
                "--threads", "2", "--seconds", "0.5", "--warmup", "0.2", "--json");
        assertEquals(0, run.exit(), run.err());
        String json = run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        double calls = field(json, "calls");
        assertTrue(calls > 0, json);
        assertEquals(3, field(json, "batch"));
        assertEquals(2, field(json, "threads"));
        double p50 = field(json, "p50_us"), p90 = field(json, "p90_us"), p99 = field(json, "p99_us"), p999 = field(json, "p999_us");
        assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= p999, json);
        // Rows over the time the counted calls took, about --seconds (the last calls end past the deadline).
        double measured = field(json, "measured_seconds");
        assertTrue(measured > 0.4 && measured < 5, json);
        assertEquals(calls * 3 / measured, field(json, "throughput_per_second"), calls * 3 / measured * 0.01 + 1, json);
        assertTrue(field(json, "native_bytes") > 4 * (20 * 16 + 16 * 4), json);
        assertTrue(field(json, "heap_used_mb") > 0, json);
        assertTrue(json.contains("\"row_weights\":\"float32\""), json);
        assertTrue(json.contains("\"layers\":[20,16,4]"), "every layer's width, not inputs->outputs: " + json);
    }

    @Test
    void requestRowsComeFromAFileWhenGiven() throws Exception {
        Path file = smallModel();
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < 10; r++) {
            for (int j = 0; j < 20; j++) {
                csv.append(j == 0 ? "" : ",").append((r * 20 + j) % 3 == 0 ? 0 : r + j);
            }
            csv.append('\n');
        }
        Path rows = java.nio.file.Files.writeString(dir.resolve("requests.csv"), csv);
        CommandRun run = CommandRun.gatun("benchmark", "--model", file.toString(), "--input", rows.toString(),
                "--batch", "4", "--threads", "2", "--seconds", "0.3", "--warmup", "0.1", "--json");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("\"input\":\"" + rows + "\""), run.out());
        assertEquals(2, field(run.out(), "input_batches"), "10 rows make two whole batches of 4: " + run.out());
        assertTrue(field(run.out(), "calls") > 0, run.out());
        CommandRun random = CommandRun.gatun("benchmark", "--model", file.toString(), "--seconds", "0.1", "--warmup", "0",
                "--json");
        assertTrue(random.out().contains("\"input\":\"random\"") && field(random.out(), "input_batches") == 1, random.out());
        Path narrow = java.nio.file.Files.writeString(dir.resolve("narrow.csv"), "1,2,3\n");
        CommandRun bad = CommandRun.gatun("benchmark", "--model", file.toString(), "--input", narrow.toString(),
                "--seconds", "0.1");
        assertEquals(Main.EXIT_ERROR, bad.exit(), bad.err());
        assertTrue(bad.err().contains("narrow.csv") && bad.err().strip().lines().count() == 1, bad.err());
    }

    /** A file row the predictor refuses is named by its place in the file, before any request thread starts. */
    @Test
    void aRefusedFileRowIsNamedByItsPlaceInTheFile() throws Exception {
        Path file = dir.resolve("tiny-std.gatun");
        float[] std = new float[20];
        java.util.Arrays.fill(std, 1f);
        std[5] = 1e-30f;   // accepted by the model file; 1e10 in that column normalises beyond float's range
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(20).dense(16, Activation.RELU).output(4, Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build(arena)) {
            ModelIo.save(file, model, Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, 20, new float[20], std),
                    Map.of());
        }
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < 6; r++) {
            for (int j = 0; j < 20; j++) {
                csv.append(j == 0 ? "" : ",").append(r == 2 && j == 5 ? "1e10" : "0.5");
            }
            csv.append('\n');
        }
        Path rows = java.nio.file.Files.writeString(dir.resolve("requests.csv"), csv);
        CommandRun run = CommandRun.gatun("benchmark", "--model", file.toString(), "--input", rows.toString(),
                "--batch", "2", "--seconds", "0.1", "--warmup", "0");
        assertEquals(Main.EXIT_ERROR, run.exit(), run.err());
        assertTrue(run.err().contains(rows + ": rows 3 to 4 (batch 2 of 3): "), run.err());
        assertFalse(run.err().contains("request thread"), run.err());
    }

    @Test
    void rowWeightsCanBeBfloat16AndAnythingElseIsNamed() throws Exception {
        Path file = smallModel();
        CommandRun run = CommandRun.gatun("benchmark", "--model", file.toString(), "--row-weights", "bfloat16",
                "--seconds", "0.5", "--warmup", "0.1", "--json");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("\"row_weights\":\"bfloat16\""), run.out());
        assertTrue(field(run.out(), "calls") > 0, run.out());
        CommandRun bad = CommandRun.gatun("benchmark", "--model", file.toString(), "--row-weights", "int8");
        assertEquals(Main.EXIT_USAGE, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--row-weights must be float32 or bfloat16, got 'int8'"), bad.err());
        assertFalse(bad.err().contains("UsageException") || bad.err().contains("cannot convert"), bad.err());
    }

    @Test
    void batchThreadsRunWithOneBlasThreadAndOtherCountsAreNamed() throws Exception {
        Path file = smallModel();
        CommandRun run = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch", "200",
                "--batch-threads", "2", "--seconds", "0.3", "--warmup", "0.1", "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals(2, field(run.out(), "batch_threads"), run.out());
        assertEquals(1, field(run.out(), "blas_threads"), "one OpenBLAS thread unless told: " + run.out());
        assertTrue(field(run.out(), "calls") > 0, run.out());
        CommandRun threaded = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch", "200",
                "--batch-threads", "2", "--blas-threads", "2", "--seconds", "0.1");
        assertEquals(Main.EXIT_USAGE, threaded.exit(), threaded.err());
        assertTrue(threaded.err().contains("--batch-threads 2 runs each share with one OpenBLAS thread: it needs "
                + "--blas-threads 1, got 2"), threaded.err());
        CommandRun small = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch", "127",
                "--batch-threads", "2", "--seconds", "0.1");
        assertEquals(Main.EXIT_USAGE, small.exit(), small.err());
        assertTrue(small.err().contains("--batch-threads 2 splits batches of at least 128 rows (64 a thread); "
                + "--batch 127 would run on one thread"), small.err());
        CommandRun none = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch-threads", "0");
        assertEquals(Main.EXIT_USAGE, none.exit(), none.err());
        assertTrue(none.err().contains("--batch-threads must be from 1 to 1024, got 0"), none.err());
    }

    /**
     * Left to choose, one request stream gets the cores as batch threads once every core gets 64 rows of a batch,
     * with one OpenBLAS thread; a smaller batch, two request streams (whatever the cores) or an explicit
     * --blas-threads keep OpenBLAS's threads.
     */
    @Test
    void batchThreadsDefaultToTheCoresWhenEveryCoreGetsSixtyFourRows() throws Exception {
        Path file = smallModel();
        int cores = Runtime.getRuntime().availableProcessors();
        int fed = 64 * Math.max(2, cores);
        CommandRun large = CommandRun.gatun("benchmark", "--model", file.toString(), "--batch", Integer.toString(fed),
                "--seconds", "0.2", "--warmup", "0.1", "--json");
        assertEquals(0, large.exit(), large.err());
        assertEquals(cores >= 2 ? cores : 1, field(large.out(), "batch_threads"), large.out());
        assertEquals(cores >= 2 ? 1 : cores, field(large.out(), "blas_threads"), large.out());
        for (String[] options : List.of(new String[] {"--batch", Integer.toString(fed - 1)},
                new String[] {"--batch", Integer.toString(fed), "--blas-threads", "1"},
                new String[] {"--batch", Integer.toString(4 * fed), "--threads", "2"})) {
            List<String> args = new java.util.ArrayList<>(List.of("benchmark", "--model", file.toString(),
                    "--seconds", "0.2", "--warmup", "0.1", "--json"));
            args.addAll(List.of(options));
            CommandRun run = CommandRun.gatun(args.toArray(String[]::new));
            assertEquals(0, run.exit(), run.err());
            assertEquals(1, field(run.out(), "batch_threads"), String.join(" ", options) + ": " + run.out());
        }
    }

    @Test
    void aMissingModelIsOneLineAndNonZero() {
        CommandRun run = CommandRun.gatun("benchmark", "--model", dir.resolve("nope.gatun").toString(), "--seconds", "0.1");
        assertEquals(Main.EXIT_ERROR, run.exit());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("nope.gatun"), run.err());
        CommandRun bad = CommandRun.gatun("benchmark", "--model", "x", "--threads", "0");
        assertEquals(Main.EXIT_USAGE, bad.exit());
        assertTrue(bad.err().contains("--threads"), bad.err());
    }

    /** Each of these once ran: a batch too large hung the command (a worker died before the start barrier), and an
     * infinite or huge time, or a tiny one, reported 0 calls and exit 0. */
    @Test
    void sizesAndTimesOutOfRangeAreUsageErrorsNotHangsOrZeros() throws Exception {
        String file = smallModel().toString();
        CommandRun huge = CommandRun.gatun("benchmark", "--model", file, "--batch", "1000000000", "--seconds", "1");
        assertEquals(Main.EXIT_USAGE, huge.exit(), huge.err());
        assertTrue(huge.err().contains("--batch 1000000000 with --threads 1 needs"), huge.err());
        for (String[] times : new String[][] {{"Infinity", "0"}, {"1", "1e300"}, {"1e-10", "0"}, {"NaN", "0"}}) {
            CommandRun bad = CommandRun.gatun("benchmark", "--model", file, "--seconds", times[0], "--warmup", times[1]);
            assertEquals(Main.EXIT_USAGE, bad.exit(), String.join(" ", times) + ": " + bad.err());
            assertTrue(bad.err().contains("--seconds from 0.01 to 86400.0"), bad.err());
        }
    }

    @Test
    void histogramQuantilesAreWithinThreePercentOfTheExactOnes() {
        SplittableRandom random = new SplittableRandom(1);
        long[] samples = new long[20_000];
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (long) Math.exp(random.nextDouble() * 16);
            h.record(samples[i]);
        }
        Arrays.sort(samples);
        for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
            double exact = samples[(int) Math.ceil(q * samples.length) - 1];
            assertEquals(exact, h.quantile(q), Math.max(1, exact * 0.032), "q " + q);
        }
        assertEquals(samples.length, h.count());
        for (long n : new long[] {0, 1, 63, 64, 65, 1000, 123_456_789L}) {
            double v = LatencyHistogram.value(LatencyHistogram.bucket(n));
            assertEquals(n, v, Math.max(0.5, n * 0.032), "bucket of " + n);
        }
    }
}

package dev.gatun.cli;

import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.serve.example.PredictionServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ServeExampleCommandTest {
    @TempDir
    Path dir;

    private Path save(int inputs, Loss loss, int outputs) throws Exception {
        Path file = dir.resolve("m" + inputs + loss + ".gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(inputs).dense(16, Activation.RELU).output(outputs, loss).seed(2).build(arena)) {
            ModelIo.save(file, model, Normalization.scaleToUnit(inputs), Map.of());
        }
        return file;
    }

    @Test
    void theLoadTestSendsEveryRequestWithoutErrorsAndReportsPercentiles() throws Exception {
        Path file = save(20, Loss.SOFTMAX_CROSS_ENTROPY, 5);
        CommandRun run = CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "500",
                "--concurrency", "3", "--warmup", "50", "--threads", "2", "--json");
        assertEquals(0, run.exit(), run.toString());
        String json = run.json();
        assertEquals(500, run.number("requests"), json);
        assertEquals(0, run.number("errors"), json);
        assertFalse(json.contains("first_error"), json);
        double p50 = run.number("p50_us"), p90 = run.number("p90_us"), p99 = run.number("p99_us"), p999 = run.number("p999_us");
        assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= p999, json);
        double seconds = run.number("seconds");
        assertTrue(seconds > 0, json);
        assertEquals(500 / seconds, run.number("throughput_per_second"), 500 / seconds * 0.01 + 1, json);
    }

    @Test
    void withARateTheOpenLoopTestRunsToAndIsReportedBesideTheClosedLoopOne() throws Exception {
        Path file = save(20, Loss.SOFTMAX_CROSS_ENTROPY, 5);
        CommandRun run = CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "200",
                "--concurrency", "2", "--warmup", "50", "--threads", "2", "--rate", "400", "--json");
        assertEquals(0, run.exit(), run.toString());
        String json = run.json();
        assertEquals(200, run.number("requests"), json);
        assertEquals(0, run.number("errors"), json);
        assertEquals(400, run.number("open_loop_rate_per_second"), json);
        assertEquals(200, run.number("open_loop_requests"), json);
        assertEquals(0, run.number("open_loop_errors"), json);
        double p50 = run.number("open_loop_p50_us"), p99 = run.number("open_loop_p99_us");
        assertTrue(0 < p50 && p50 <= p99, json);
        assertTrue(run.number("open_loop_seconds") >= 199 / 400.0, "the last request is due 199/400 s after the first: " + json);
        assertTrue(run.out().contains("open_loop_p999_us"), run.out());
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--rate", "10"),
                Main.EXIT_USAGE, "--rate", "--load-test");
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "10",
                "--rate", "0"), Main.EXIT_USAGE, "--rate");
    }

    @Test
    void errorsAreCountedNotHidden() throws Exception {
        // The server's model takes 20 inputs; the load test sends 19: every request is a 400 and counts as an error.
        try (Predictor predictor = Predictor.load(save(20, Loss.SOFTMAX_CROSS_ENTROPY, 5));
             HttpClient client = LoadTest.client();
             PredictionServer server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2)) {
            LoadTest.Result result = LoadTest.run(client, server.uri().resolve("/predict"), 19, 7, 40, 3);
            assertEquals(40, result.requests());
            assertEquals(47, result.errors(), "warm-up errors count too");
            assertTrue(result.firstError().startsWith("HTTP 400 {\"error\":\"expected 20"), result.firstError());
        }
    }

    @Test
    void aRefusedConnectionIsAnErrorNotAHang() throws Exception {
        java.net.URI gone;
        try (Predictor predictor = Predictor.load(save(4, Loss.SOFTMAX_CROSS_ENTROPY, 2));
             PredictionServer server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            gone = server.uri().resolve("/predict");
        }
        try (HttpClient client = LoadTest.client()) {
            LoadTest.Result result = LoadTest.run(client, gone, 4, 0, 10, 2);
            assertEquals(10, result.requests());
            assertEquals(10, result.errors());
            assertTrue(result.firstError().contains("Connect"), result.firstError());
        }
    }

    @Test
    void sharesAddUpAndBadArgumentsAreOneLine() throws Exception {
        for (int n : new int[] {1, 7, 500, 1001}) {
            for (int c = 1; c <= 8; c++) {
                int sum = 0;
                for (int t = 0; t < c; t++) {
                    int s = LoadTest.share(n, c, t);
                    assertTrue(s == n / c || s == n / c + 1);
                    sum += s;
                }
                assertEquals(n, sum, n + " over " + c);
            }
        }
        Path file = save(4, Loss.SOFTMAX_CROSS_ENTROPY, 2);
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "0"),
                Main.EXIT_USAGE, "--load-test");
        // 20,000 request threads took 40 s and 880 MB to start; 2^31 - 1 overflowed Jetty's pool size.
        for (String threads : new String[] {"1025", "2147483647"}) {
            CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--threads",
                    threads), Main.EXIT_USAGE, "--threads " + threads + ": at most 1024 request threads");
        }
        // A latency kept per open-loop request, more than the heap holds: refused before the closed-loop test runs.
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test",
                "2000000000", "--rate", "1000000"), Main.EXIT_USAGE, "more than half the heap");
        // Ten requests at one a day would be due over nine days: refused, not left running.
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "10",
                "--rate", String.valueOf(1 / 86_400.0)), Main.EXIT_USAGE, "--load-test 10 at --rate 1.1574074074074073E-5"
                + " spreads its requests over 7.78e+05 s, more than a day (86400 s)");
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", save(4, Loss.MSE, 2).toString(),
                "--load-test", "10"), Main.EXIT_ERROR, "MSE");
        // 100,000 clients ran the heap out while starting, and the message blamed the model, batch or input.
        CommandRun.assertOneLineError(CommandRun.gatun("serve-example", "--model", file.toString(), "--load-test", "10",
                "--concurrency", "100000"), Main.EXIT_USAGE, "--concurrency 100000: at most 1024 load-test clients");
        // Within the count, clients whose bodies outgrow the heap (rows of a model this wide) are refused too.
        UsageException wide = assertThrows(UsageException.class, () -> LoadTest.requireClientsFit(1024, 1 << 24));
        assertTrue(wide.getMessage().startsWith("--concurrency 1024 needs 1048591.0 MB for its clients' requests and"
                + " latencies, more than half the heap's"), wide.getMessage());
        LoadTest.requireClientsFit(64, 784);   // Fashion-MNIST's rows: 4 MB
    }
}

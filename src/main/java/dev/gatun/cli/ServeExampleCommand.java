package dev.gatun.cli;

import dev.gatun.serve.Predictor;
import dev.gatun.serve.example.PredictionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gatun serve-example}: runs the example HTTP prediction service ({@link PredictionServer}) on a model file.
 * With {@code --load-test N} it fires N requests at itself over loopback ({@link LoadTest}, closed-loop), and with
 * {@code --rate R} then N more at a fixed R per second ({@link OpenLoopLoadTest}, latency from the intended send
 * time), stops, and reports requests, errors, throughput and latency percentiles; without, it serves until Ctrl-C.
 */
@Command(name = "serve-example", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP (POST /predict, GET /health) on an embedded Jetty server; "
                + "--load-test N measures it over loopback (closed-loop; with --rate R also open-loop) and stops.")
final class ServeExampleCommand extends JsonReportingCommand {
    @Mixin
    ServedModel model;

    /** More request threads than this take seconds and memory to start, and serve no faster. */
    private static final int MAX_THREADS = 1024;
    /** The longest schedule the open-loop load test accepts. */
    private static final double MAX_OPEN_LOOP_SECONDS = 86_400;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--threads", description = "Server request threads (default: one per core).")
    Integer threads;

    @Option(names = "--load-test", paramLabel = "N", description = "Send N requests over loopback, report, then stop.")
    Integer loadTest;

    @Option(names = "--concurrency", defaultValue = "4", description = "Load-test client threads (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--warmup", defaultValue = "1000", description = "Load-test warm-up requests, not timed (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rate", paramLabel = "R", description = "After the closed-loop load test, send N more requests "
            + "open-loop at R per second, latency measured from each one's intended send time.")
    Double rate;

    @Override
    public Integer call() throws Exception {
        int serverThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        // Every request thread starts with the server: 20,000 took 40 s and 880 MB before the first answer.
        if (serverThreads > MAX_THREADS) {
            throw new UsageException("--threads " + serverThreads + ": at most " + MAX_THREADS + " request threads"
                    + " (a prediction takes microseconds; one thread per core is the default)");
        }
        if (port < 0 || port > 65535 || serverThreads < 1 || concurrency < 1 || warmup < 0 || (loadTest != null && loadTest < 1)
                || (rate != null && !(rate > 0 && rate <= 1e6))) {
            throw new UsageException("--port must be 0..65535, --threads and --concurrency >= 1, --warmup >= 0, "
                    + "--load-test >= 1 and --rate in (0, 1000000]; got port " + port + ", threads " + serverThreads
                    + ", concurrency " + concurrency + ", warmup " + warmup + ", load-test " + loadTest + ", rate " + rate);
        }
        if (rate != null && loadTest == null) {
            throw new UsageException("--rate sets the open-loop load test's arrival rate: it needs --load-test N");
        }
        if (rate != null && 8.0 * loadTest > Runtime.getRuntime().maxMemory() / 2.0) {
            // The open-loop test keeps one latency per request: found out of memory only after the closed-loop test.
            throw new UsageException("--load-test " + loadTest + " with --rate keeps " + loadTest * 8L / (1 << 20)
                    + " MB of latencies, more than half the heap (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MB): lower --load-test or raise -Xmx in GATUN_JAVA_OPTS");
        }
        if (rate != null && (loadTest - 1) / rate > MAX_OPEN_LOOP_SECONDS) {
            // Its requests are due on a schedule: a tiny rate would keep the command waiting for days, looking hung.
            throw new UsageException(String.format(java.util.Locale.ROOT, "--load-test %d at --rate %s spreads its "
                    + "requests over %.3g s, more than a day (%d s): raise --rate or lower --load-test", loadTest, rate,
                    (loadTest - 1) / rate, (long) MAX_OPEN_LOOP_SECONDS));
        }
        if (loadTest != null && concurrency > MAX_THREADS) {
            // Each client is a platform thread with its own request bodies and histogram: 100,000 of them would run
            // the heap out after seconds, with a message that could only guess at the model, batch or input.
            throw new UsageException("--concurrency " + concurrency + ": at most " + MAX_THREADS + " load-test clients"
                    + " (each a thread of this process; past the server's threads they only queue)");
        }
        if (loadTest != null) {   // from the file's header: refused before the model is loaded and warmed up
            LoadTest.requireClientsFit(concurrency, dev.gatun.io.ModelIo.describe(model.file()).spec().inputs());
        }
        Predictor predictor = model.load().warmUp();
        PredictionServer server;
        try {
            server = PredictionServer.start(predictor, new InetSocketAddress(host, port), serverThreads);
        } catch (Exception e) {
            predictor.close();
            throw e;
        }
        if (loadTest == null) {
            return serveUntilStopped(predictor, server);
        }
        LoadTest.Result closed;
        LoadTest.Result open = null;
        // Closed in reverse: the server (in-flight requests finish), then the client, then the predictor.
        try (predictor; HttpClient client = LoadTest.client(); server) {
            URI predict = server.uri().resolve("/predict");
            closed = LoadTest.run(client, predict, predictor.inputs(), warmup, loadTest, concurrency);
            if (rate != null) {
                open = OpenLoopLoadTest.run(client, predict, predictor.inputs(), loadTest, rate);
            }
        }
        report(closed, open, serverThreads);
        return closed.errors() == 0 && (open == null || open.errors() == 0) ? 0 : Main.EXIT_ERROR;
    }

    /** Ctrl-C runs the shutdown hook: the server stops first (in-flight requests finish), then the predictor is freed. */
    private int serveUntilStopped(Predictor predictor, PredictionServer server) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            predictor.close();
            stopped.countDown();
        }, "gatun-serve-stop"));
        System.out.println("serving " + model.file() + " at " + server.uri() + " (POST /predict, GET /health); Ctrl-C stops");
        stopped.await();
        return 0;
    }

    private void report(LoadTest.Result closed, LoadTest.Result open, int serverThreads) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.file().toString());
        report.put("server_threads", serverThreads);
        report.put("concurrency", concurrency);
        report.put("warmup", warmup);
        put(report, "", closed);
        if (open != null) {
            report.put("open_loop_rate_per_second", rate);
            put(report, "open_loop_", open);
        }
        report.forEach((key, value) -> System.out.printf("%-32s %s%n", key, value));
        json.print(report);
    }

    /** One load test's fields, each name after {@code prefix}. */
    private static void put(Map<String, Object> report, String prefix, LoadTest.Result result) {
        report.put(prefix + "requests", result.requests());
        report.put(prefix + "errors", result.errors());
        report.put(prefix + "seconds", Math.round(result.seconds() * 1000) / 1000.0);
        report.put(prefix + "throughput_per_second", Math.round(result.throughputPerSecond()));
        result.latencies().percentilesMicros().forEach((key, value) -> report.put(prefix + key, value));
        if (result.firstError() != null) {
            report.put(prefix + "first_error", result.firstError());
        }
    }
}

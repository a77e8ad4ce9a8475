package dev.gatun.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The open-loop load test's accounting, against a fake one-thread server that stalls once for 200 ms. */
class OpenLoopLoadTestTest {
    private static final long STALL_MILLIS = 200;

    /** Answers every POST with a class after reading its body; request number {@code stallAt} first sleeps 200 ms. */
    private static HttpServer stallingServer(ExecutorService oneThread, int stallAt) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger seen = new AtomicInteger();
        server.createContext("/predict", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                if (seen.incrementAndGet() == stallAt) {
                    try {
                        Thread.sleep(STALL_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = "{\"class\":0,\"probabilities\":[1.0]}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.setExecutor(oneThread);
        server.start();
        return server;
    }

    @Test
    void aStallShowsInTheLatencyOfEveryRequestDueDuringItNotJustTheOneItHit() throws Exception {
        // One request in flight at most: while the server stalls, the requests due meanwhile cannot even be sent.
        // Measured from when they were due, about 20 requests (at 100/s) wait up to 200 ms: at least the 10 due in
        // the stall's first 100 ms wait 100 ms or more, so with 200 requests the p95 is at least 100 ms. Measured
        // from when they went out, only the stalled one would show it.
        ExecutorService oneThread = Executors.newSingleThreadExecutor();
        HttpServer server = stallingServer(oneThread, 20);
        try (HttpClient client = LoadTest.client()) {
            URI predict = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/predict");
            LoadTest.Result result = OpenLoopLoadTest.run(client, predict, 3, 200, 100.0, 1);
            assertEquals(200, result.requests());
            assertEquals(0, result.errors(), result.firstError());
            assertTrue(result.latencies().quantile(0.95) >= 0.9 * 100e6, "p95 " + result.latencies().quantile(0.95) / 1e6 + " ms");
            assertTrue(result.latencies().quantile(1.0) >= 0.95 * STALL_MILLIS * 1e6, "max " + result.latencies().quantile(1.0) / 1e6 + " ms");
            // The 200th request is due 1.99 s after the first: the rate is kept, not exceeded.
            assertTrue(result.seconds() >= 1.99, result.seconds() + " s");
        } finally {
            server.stop(0);
            oneThread.shutdownNow();
        }
    }

    @Test
    void errorsAndBadArgumentsAreReported() throws Exception {
        URI nowhere;
        ExecutorService oneThread = Executors.newSingleThreadExecutor();
        HttpServer server = stallingServer(oneThread, -1);
        nowhere = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/predict");
        server.stop(0);
        oneThread.shutdownNow();
        try (HttpClient client = LoadTest.client()) {
            LoadTest.Result result = OpenLoopLoadTest.run(client, nowhere, 3, 10, 1000.0);
            assertEquals(10, result.requests());
            assertEquals(10, result.errors());
            assertTrue(result.firstError().contains("Connect"), result.firstError());
            assertThrows(IllegalArgumentException.class, () -> OpenLoopLoadTest.run(client, nowhere, 3, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> OpenLoopLoadTest.run(client, nowhere, 3, 10, Double.NaN));
        }
    }
}

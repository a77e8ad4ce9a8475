package dev.gatun.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;

/**
 * A bounded loopback load test of the example prediction service: C client threads share one HTTP/1.1 client
 * (keep-alive connections) and send N {@code POST /predict} requests in all, one after another per thread, then stop.
 * It is closed-loop: a thread sends its next request only when the last is answered, so a server stall delays the
 * requests behind it without their latency showing it; {@link OpenLoopLoadTest} measures that.
 * A warm-up of W requests first (same path, errors counted, latency not recorded) lets the JIT compile both sides.
 * Every request has a timeout, so a stuck server makes errors, never a hang.
 *
 * <p>An error is anything but a 200 whose body starts with {@code {"class":}: another status, a timeout, a refused
 * or reset connection. Latency is the client's view: from send to the whole body received.
 */
final class LoadTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BODIES_PER_THREAD = 16;

    record Result(long requests, long errors, String firstError, double seconds, LatencyHistogram latencies) {
        double throughputPerSecond() {
            return requests / seconds;
        }
    }

    private LoadTest() {}

    /**
     * The client to pass to {@link #run}. Close it after the server: connections a client closes while the JDK server
     * stops keep that server's stop waiting for its full delay.
     */
    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    /** Sends warmup then requests POSTs of random rows of {@code inputs} values in [0, 255] to {@code predict}. */
    static Result run(HttpClient client, URI predict, int inputs, int warmup, int requests, int concurrency) throws Exception {
        if (inputs < 1 || warmup < 0 || requests < 1 || concurrency < 1) {
            throw new IllegalArgumentException("load test needs inputs >= 1, warmup >= 0, requests >= 1 and concurrency >= 1; got "
                    + inputs + ", " + warmup + ", " + requests + ", " + concurrency);
        }
        Client[] clients = new Client[concurrency];
        Thread[] threads = new Thread[concurrency];
        CountDownLatch warmedUp = new CountDownLatch(concurrency);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < concurrency; t++) {
            clients[t] = new Client(client, predict, bodies(t, inputs), share(warmup, concurrency, t),
                    share(requests, concurrency, t), warmedUp, go, new Outcome());
            threads[t] = Thread.ofPlatform().name("gatun-load-" + t).start(clients[t]);
        }
        long start;
        try {
            warmedUp.await();            // every client finished its warm-up, however it ended
        } finally {
            start = System.nanoTime();
            go.countDown();              // also when this thread is interrupted: the clients must not wait forever
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LatencyHistogram all = new LatencyHistogram();
        long errors = 0;
        String firstError = null;
        for (Client c : clients) {
            all.add(c.outcome.latencies);
            errors += c.outcome.errors;
            firstError = firstError == null ? c.outcome.firstError : firstError;
        }
        return new Result(all.count(), errors, firstError, seconds, all);
    }

    /**
     * {@code concurrency} clients' request bodies (up to four characters a value) and latency histograms fit half the
     * heap, or a usage error names {@code --concurrency}: the test would otherwise run out of memory while starting
     * them, with a message that could only guess at the cause.
     */
    static void requireClientsFit(int concurrency, int inputs) {
        double bytes = (double) concurrency * (BODIES_PER_THREAD * 4.0 * inputs + LatencyHistogram.BYTES);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2.0) {
            throw new UsageException(String.format(java.util.Locale.ROOT, "--concurrency %d needs %.1f MB for its"
                    + " clients' requests and latencies, more than half the heap's %.0f MB: lower it, or raise -Xmx in"
                    + " GATUN_JAVA_OPTS", concurrency, bytes / 1048576, heap / 1048576.0));
        }
    }

    /** Client t's part of n requests: n / C, plus one for the first n % C clients. */
    static int share(int n, int concurrency, int t) {
        return n / concurrency + (t < n % concurrency ? 1 : 0);
    }

    /** A few distinct request bodies per client, written before the clock starts. */
    static String[] bodies(long seed, int inputs) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] bodies = new String[BODIES_PER_THREAD];
        for (int b = 0; b < bodies.length; b++) {
            StringJoiner row = new StringJoiner(",");
            for (int j = 0; j < inputs; j++) {
                row.add(Integer.toString(random.nextInt(256)));
            }
            bodies[b] = row.toString();
        }
        return bodies;
    }

    /** What one client saw: the latency of its timed requests, its errors and the first of them. */
    private static final class Outcome {
        final LatencyHistogram latencies = new LatencyHistogram();
        long errors;
        String firstError;

        void fail(String what) {
            errors++;
            firstError = firstError == null ? what : firstError;
        }
    }

    /** One client thread: its warm-up, then its share of the timed requests, each sent when the last is answered. */
    private record Client(HttpClient http, URI uri, String[] bodies, int warmup, int requests,
                          CountDownLatch warmedUp, CountDownLatch go, Outcome outcome) implements Runnable {
        /**
         * Errors too are caught and counted, not only exceptions: a client thread that died would leave its share
         * unsent and uncounted, and the result would read as fewer requests without an error.
         */
        @Override
        public void run() {
            try {
                for (int i = 0; i < warmup; i++) {
                    send(i, null);
                }
            } catch (Throwable e) {
                outcome.fail("warm-up stopped: " + e);
            } finally {
                warmedUp.countDown();    // whatever happened, or the load test would wait for this client forever
            }
            try {
                go.await();
                for (int i = 0; i < requests; i++) {
                    send(i, outcome.latencies);
                }
            } catch (Throwable e) {      // interrupted, or the client broke: the load test is over for this client
                outcome.fail("client stopped: " + e);
            }
        }

        private void send(int i, LatencyHistogram record) throws InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString(bodies[i % bodies.length])).build();
            long start = System.nanoTime();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                long nanos = System.nanoTime() - start;
                if (record != null) {
                    record.record(nanos);
                }
                if (response.statusCode() != 200 || !response.body().startsWith("{\"class\":")) {
                    outcome.fail("HTTP " + response.statusCode() + " " + response.body());
                }
            } catch (IOException e) {
                if (record != null) {
                    record.record(System.nanoTime() - start);
                }
                outcome.fail(e.toString());
            }
        }
    }
}

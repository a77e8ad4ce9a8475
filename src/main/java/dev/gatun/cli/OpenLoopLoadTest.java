package dev.gatun.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop load test of the example prediction service: request i is due at {@code start + i / rate}, sent then
 * whether or not earlier ones have been answered, and its latency is measured from that intended time, not from when
 * it actually went out. A closed-loop test ({@link LoadTest}) sends the next request only after the last answer, so
 * when the server stalls the client stalls with it and the requests it did not send never show the wait
 * (coordinated omission); here they do: a 200 ms stall at 100 requests/s is 20 requests late by up to 200 ms.
 *
 * <p>At most {@value #MAX_IN_FLIGHT} requests are in flight (each HTTP/1.1 request in flight is a connection); a
 * request due while that many are outstanding waits for one to finish, and the wait counts in its latency. Errors are
 * as in {@link LoadTest}: anything but a 200 with a class, a timeout, a refused or reset connection.
 */
final class OpenLoopLoadTest {
    static final int MAX_IN_FLIGHT = 64;

    private OpenLoopLoadTest() {}

    /** Sends {@code requests} POSTs of random rows of {@code inputs} values to {@code predict}, {@code rate} per second. */
    static LoadTest.Result run(HttpClient client, URI predict, int inputs, int requests, double rate) throws InterruptedException {
        return run(client, predict, inputs, requests, rate, MAX_IN_FLIGHT);
    }

    /** As {@link #run(HttpClient, URI, int, int, double)}, with at most {@code maxInFlight} requests outstanding. */
    static LoadTest.Result run(HttpClient client, URI predict, int inputs, int requests, double rate, int maxInFlight)
            throws InterruptedException {
        if (inputs < 1 || requests < 1 || !(rate > 0) || Double.isInfinite(rate) || maxInFlight < 1) {
            throw new IllegalArgumentException("open-loop load test needs inputs >= 1, requests >= 1, a rate > 0 per second "
                    + "and maxInFlight >= 1; got " + inputs + ", " + requests + ", " + rate + ", " + maxInFlight);
        }
        String[] bodies = LoadTest.bodies(-1, inputs);
        long[] latencies = new long[requests];     // each completion writes its own slot
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        CountDownLatch answered = new CountDownLatch(requests);
        double nanosPerRequest = 1e9 / rate;
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long intended = start + Math.round(i * nanosPerRequest);
            for (long wait; (wait = intended - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(predict).timeout(LoadTest.TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString(bodies[i % bodies.length])).build();
            int slot = i;
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                latencies[slot] = System.nanoTime() - intended;
                String error = failure != null ? failure.toString()
                        : response.statusCode() != 200 || !response.body().startsWith("{\"class\":")
                        ? "HTTP " + response.statusCode() + " " + response.body() : null;
                if (error != null) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, error);
                }
                inFlight.release();
                answered.countDown();
            });
        }
        // Every request has a timeout, so every one completes; the margin only guards against a client bug.
        if (!answered.await(LoadTest.TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS)) {
            throw new IllegalStateException(answered.getCount() + " requests neither answered nor timed out");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LatencyHistogram histogram = new LatencyHistogram();
        for (long nanos : latencies) {
            histogram.record(nanos);
        }
        return new LoadTest.Result(requests, errors.get(), firstError.get(), seconds, histogram);
    }
}

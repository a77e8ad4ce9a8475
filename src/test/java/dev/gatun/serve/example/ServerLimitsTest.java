package dev.gatun.serve.example;

import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** Each of {@link ServerLimits} enforced, with limits small enough to see within a test. */
class ServerLimitsTest {
    private static final ServerLimits TIGHT = new ServerLimits(Duration.ofMillis(400), Duration.ofMillis(300), 3, 1024);

    @TempDir
    Path dir;
    private Predictor predictor;
    private PredictionServer server;

    @BeforeEach
    void start() throws IOException {
        predictor = SmallClassifier.load(dir, 3, 2);
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, TIGHT);
    }

    @AfterEach
    void stop() {
        server.close();
        predictor.close();
    }

    @Test
    void aBodyThatStallsGets408AndTheConnectionCloses() throws IOException {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n1,2");
            RawHttp.Answer answer = c.readAnswer(5000);
            assertNotNull(answer, "no answer to a stalled body");
            assertEquals(408, answer.status(), answer.head());
            assertEquals("{\"error\":\"the body did not arrive within 300 ms\"}", answer.body());
            assertTrue(c.closedWithin(5000), "connection still open after the 408");
        }
    }

    @Test
    void aBodyThatStallsLongerThanAShorterIdleTimeoutGets408Too() throws IOException {
        server.close();
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                new ServerLimits(Duration.ofMillis(200), Duration.ofSeconds(30), 3, 1024));
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n1,2");
            RawHttp.Answer answer = c.readAnswer(5000);
            assertNotNull(answer, "no answer to a body stalled past the idle timeout");
            assertEquals(408, answer.status(), answer.head() + " " + answer.body());
            assertTrue(c.closedWithin(5000), "connection still open after the 408");
        }
    }

    @Test
    void aHalfSentRequestIsClosedAfterTheIdleTimeout() throws IOException {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /health HTTP/1.1\r\nHo");
            assertFalse(c.closedWithin(100), "closed before the idle timeout");
            assertTrue(c.closedWithin(5000), "a half-sent request keeps its connection");
        }
    }

    /**
     * A header trickled one byte every 100 ms never lets the idle timeout (400 ms) expire: the header deadline (the
     * idle timeout here) closes the connection anyway, while a client whose requests keep coming keeps its own.
     */
    @Test
    void aHeaderTrickledByteByByteIsClosedAtTheHeaderDeadline() throws IOException, InterruptedException {
        String trickle = "GET /health HTTP/1.1\r\nX-Slow: " + "s".repeat(200);
        try (RawHttp slow = new RawHttp(server.port()); RawHttp steady = new RawHttp(server.port())) {
            long start = System.nanoTime();
            boolean closed = false;
            int sent = 0;
            for (; sent < trickle.length() && !closed; sent++) {
                try {
                    slow.send(trickle.substring(sent, sent + 1));
                } catch (IOException reset) {
                    closed = true;
                    break;
                }
                // The steady client's keep-alive requests, one per 100 ms, are answered throughout.
                RawHttp.Answer answer = steady.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n").readAnswer(5000);
                assertNotNull(answer, "the steady client's connection was closed after " + sent + " trickled bytes");
                assertEquals(200, answer.status());
                closed = slow.closedWithin(100);
            }
            assertTrue(closed, "a header trickled for " + (System.nanoTime() - start) / 1_000_000 + " ms kept its connection");
            assertTrue(sent < 40, "closed only after " + sent + " bytes");
        }
    }

    /** The header deadline closes trickling connections only: an idle keep-alive one waits for the idle timeout. */
    @Test
    void anIdleKeepAliveConnectionOutlivesTheHeaderDeadline() throws IOException {
        server.close();
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                new ServerLimits(Duration.ofMillis(3000), Duration.ofMillis(300), 3, 1024, Duration.ofMillis(400)));
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n").readAnswer(5000).status());
            assertFalse(c.closedWithin(1500), "an idle keep-alive connection closed at the header deadline");
            assertTrue(c.closedWithin(5000), "the idle timeout did not close it");
        }
    }

    /**
     * A request's body arriving after a check (Jetty counts the request once its headers complete) is not a header
     * trickled without a request: the idle keep-alive connection after it stays open. Four rounds, each body 250 ms
     * long against checks every 400 ms: counted as one period, at least one round would close (all but 2% of runs).
     */
    @Test
    void aBodyArrivingAcrossACheckLeavesTheKeepAliveConnectionOpen() throws IOException, InterruptedException {
        server.close();
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                new ServerLimits(Duration.ofMillis(3000), Duration.ofMillis(300), 3, 1024, Duration.ofMillis(400)));
        try (RawHttp c = new RawHttp(server.port())) {
            for (int round = 0; round < 4; round++) {
                String body = "1,2,3";
                c.send("POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n");
                for (int k = 0; k < body.length(); k++) {
                    Thread.sleep(50);
                    c.send(body.substring(k, k + 1));
                }
                RawHttp.Answer answer = c.readAnswer(5000);
                assertNotNull(answer, "round " + round);
                assertEquals(200, answer.status(), answer.body());
                assertFalse(c.closedWithin(500), "the keep-alive connection was closed after round " + round);
            }
        }
    }

    /**
     * A header trickled one byte every two and a quarter periods leaves an empty period between bytes; it is closed
     * all the same (a deadline of two periods in a row let it hold its connection as long as it liked).
     */
    @Test
    void aHeaderTrickledWithGapsIsClosedToo() throws IOException, InterruptedException {
        server.close();
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                new ServerLimits(Duration.ofMillis(3000), Duration.ofMillis(300), 3, 1024, Duration.ofMillis(400)));
        String trickle = "GET /health HTTP/1.1\r\nX-Slow: abcdefgh";
        try (RawHttp slow = new RawHttp(server.port())) {
            boolean closed = false;
            int sent = 0;
            for (; sent < 8 && !closed; sent++) {
                try {
                    slow.send(trickle.substring(sent, sent + 1));
                } catch (IOException reset) {
                    closed = true;
                    break;
                }
                closed = slow.closedWithin(900);
            }
            assertTrue(closed, "a header trickled every 900 ms against 400 ms checks kept its connection for " + sent
                    + " bytes");
            assertTrue(sent <= 3, "closed only after " + sent + " bytes");
        }
    }

    @Test
    void headersOverTheLimitAre431InJson() throws IOException {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send("GET /health HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n");
            RawHttp.Answer answer = c.readAnswer(5000);
            assertNotNull(answer);
            assertEquals(431, answer.status(), answer.head());
            assertEquals("application/json", answer.contentType());
            assertTrue(answer.body().startsWith("{\"error\":\"request header fields too large"), answer.body());
        }
    }

    @Test
    void connectionsOverTheLimitWaitUntilOneCloses() throws IOException {
        String health = "GET /health HTTP/1.1\r\nHost: a\r\n\r\n";
        RawHttp[] open = new RawHttp[3];
        server.close();         // one whose idle timeout cannot close a connection while the test waits
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1,
                new ServerLimits(Duration.ofSeconds(30), Duration.ofSeconds(30), open.length, 1024));
        try {
            for (int i = 0; i < open.length; i++) {
                open[i] = new RawHttp(server.port()).send(health);
                assertEquals(200, open[i].readAnswer(5000).status());      // accepted, and kept alive
            }
            try (RawHttp fourth = new RawHttp(server.port())) {            // the kernel's backlog takes it; Jetty does not
                fourth.send(health);
                assertNull(fourth.readAnswer(200), "a fourth connection was served while three were open");
                open[0].close();
                RawHttp.Answer answer = fourth.readAnswer(5000);
                assertNotNull(answer, "the fourth connection was not served after one closed");
                assertEquals(200, answer.status());
            }
        } finally {
            for (RawHttp c : open) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    @Test
    void limitsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ServerLimits(Duration.ZERO, Duration.ofSeconds(1), 1, 1024));
        assertThrows(IllegalArgumentException.class, () -> new ServerLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 1024));
        assertThrows(IllegalArgumentException.class, () -> new ServerLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 10));
        // A header deadline shorter than the body timeout would cut a slow body before its 408.
        assertThrows(IllegalArgumentException.class, () -> new ServerLimits(Duration.ofSeconds(1), Duration.ofSeconds(5), 1,
                1024, Duration.ofSeconds(2)));
        assertEquals(Duration.ofSeconds(5), new ServerLimits(Duration.ofSeconds(1), Duration.ofSeconds(5), 1, 1024).headerTimeout());
    }
}

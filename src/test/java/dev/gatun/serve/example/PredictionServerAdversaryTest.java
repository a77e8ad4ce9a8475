package dev.gatun.serve.example;

import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The example service under attack on loopback, bounded in connections and time: slow and partial headers and bodies,
 * lying Content-Length, more idle connections than request threads, random bytes, oversized headers and bodies, all
 * at once, while a normal client keeps asking. The normal client must get every answer right within its 1 s
 * timeout; every answer any attacker gets must be the documented one-line JSON, never a 5xx or an HTML page.
 */
class PredictionServerAdversaryTest {
    private static final int IN = 6;
    private static final int THREADS = 2;
    private static final long ATTACK_MILLIS = 4000;
    private static final int IDLE_CONNECTIONS = 12 * THREADS;
    /** The only bodies the documented service writes: an error, a prediction, a health report; one line each. */
    private static final Pattern DOCUMENTED = Pattern.compile("\\{\"(error|class|status)\":[^\\n<]*}");
    private static final String GOOD = "1,2,3,4,5,6";

    @TempDir
    Path dir;
    private Predictor predictor;
    private PredictionServer server;
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answersChecked = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        predictor = SmallClassifier.load(dir, IN, 3);
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), THREADS);
    }

    @AfterEach
    void stop() {
        server.close();
        predictor.close();
    }

    @Test
    @Timeout(40)
    void aNormalClientIsAnsweredWithinOneSecondWhileHostileClientsAttack() throws Exception {
        int port = server.port();
        List<RawHttp> idle = new ArrayList<>();
        List<Thread> attackers = new ArrayList<>();
        long end = System.nanoTime() + ATTACK_MILLIS * 1_000_000;
        try {
            // Idle and half-sent requests that just sit there: more of them than request threads.
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                idle.add(new RawHttp(port).send(switch (i % 4) {
                    case 0 -> "P";
                    case 1 -> "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Le";
                    case 2 -> "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n1,2";
                    default -> "";                                          // connected, never a byte
                }));
            }
            attackers.add(attack("slow headers", end, () -> trickle(port, "POST /predict HTTP/1.1\r\nHost: a\r\nX-Slow: "
                    + "a".repeat(200), end)));
            attackers.add(attack("slow body", end, () -> trickle(port, "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: "
                    + server.maxBodyBytes() + "\r\n\r\n" + "1,".repeat(server.maxBodyBytes()), end)));
            attackers.add(attack("Content-Length larger than the body", end, () -> lyingLarger(port)));
            attackers.add(attack("Content-Length smaller than the body", end, () -> exchange(port,
                    "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n" + GOOD, 2)));
            attackers.add(attack("body over the cap", end, () -> overTheCap(port)));
            attackers.add(attack("oversized headers", end, () -> exchange(port, "GET /health HTTP/1.1\r\nHost: a\r\nX-Big: "
                    + "b".repeat(100_000) + "\r\n\r\n", 1)));
            attackers.add(attack("random bytes", end, new RandomBytes(port)));
            attackers.add(attack("odd request lines", end, () -> {
                for (String line : new String[] {"GET * HTTP/1.1", "GET http://elsewhere/health HTTP/1.1", "BREW /predict HTTP/1.1",
                        "GET /%zz HTTP/1.1", "GET /health HTTP/9.9", "GET /health"}) {
                    exchange(port, line + "\r\nHost: a\r\n\r\n", 1);
                }
            }));
            NormalClient normal = new NormalClient(port, end);
            normal.run();
            for (Thread attacker : attackers) {
                attacker.join(Duration.ofSeconds(10));
                assertFalse(attacker.isAlive(), attacker.getName() + " still running: the attack is not bounded");
            }
            assertAll(
                    () -> assertEquals(List.of(), normal.failures, "the normal client's failed requests (" + normal.ok + " answered right)"),
                    () -> assertTrue(normal.ok >= 10, "the normal client got " + normal.ok + " answers in " + ATTACK_MILLIS + " ms"),
                    () -> assertEquals(List.of(), List.copyOf(violations), "answers that are not the documented JSON, or missing answers"),
                    () -> assertTrue(answersChecked.get() > 20, "only " + answersChecked.get() + " attacker answers checked"));
        } finally {
            for (RawHttp connection : idle) {
                connection.close();
            }
            for (Thread attacker : attackers) {
                attacker.interrupt();
            }
        }
    }

    private interface Attack {
        void once() throws Exception;
    }

    /** Runs {@code attack} again and again until {@code end}; its exceptions are those of a closed connection, fine. */
    private Thread attack(String name, long end, Attack attack) {
        return Thread.ofVirtual().name(name).start(() -> {
            while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                try {
                    attack.once();
                } catch (Exception e) {
                    if (System.nanoTime() < end && !(e instanceof IOException)) {
                        violations.add(name + ": " + e);
                    }
                }
            }
        });
    }

    /** Sends {@code request}, then checks up to {@code answers} answers: each must be documented JSON (or none at all). */
    private void exchange(int port, String request, int answers) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send(request);
            for (int i = 0; i < answers; i++) {
                RawHttp.Answer answer = c.readAnswer(2000);
                if (answer == null) {
                    return;
                }
                check(request, answer);
            }
        }
    }

    private void check(String request, RawHttp.Answer answer) {
        answersChecked.incrementAndGet();
        String what = (request.length() > 60 ? request.substring(0, 60) + "..." : request).replace("\r\n", "\\r\\n")
                + " -> " + answer.head().replace("\r\n", " | ") + " " + answer.body();
        if (answer.status() >= 500 || !answer.contentType().startsWith("application/json")
                || !DOCUMENTED.matcher(answer.body()).matches()) {
            violations.add(what);
        }
    }

    /** A huge declared length and a short body: refused at once with 413, without waiting for the body, then closed. */
    private void lyingLarger(int port) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            String request = "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n" + GOOD;
            c.send(request);
            RawHttp.Answer answer = c.readAnswer(1000);
            if (answer == null || answer.status() != 413) {
                violations.add("Content-Length 1000000000: expected 413 within 1 s, got " + (answer == null ? "nothing" : answer.head()));
                return;
            }
            check(request, answer);
            if (!c.closedWithin(1000)) {
                violations.add("Content-Length 1000000000: the connection stays open after the 413");
            }
        }
    }

    /** A body over the cap, sent in full: 413, documented JSON. */
    private void overTheCap(int port) throws IOException {
        int n = server.maxBodyBytes() + 1;
        String request = "POST /predict HTTP/1.1\r\nHost: a\r\nContent-Length: " + n + "\r\n\r\n" + "7".repeat(n);
        try (RawHttp c = new RawHttp(port)) {
            c.send(request);
            RawHttp.Answer answer = c.readAnswer(1000);
            if (answer == null || answer.status() != 413) {
                violations.add("body of " + n + " bytes: expected 413 within 1 s, got " + (answer == null ? "nothing" : answer.head()));
                return;
            }
            check(request, answer);
        }
    }

    /** Sends {@code request} one byte every 100 ms until {@code end}; an answer, if any, must be documented. */
    private void trickle(int port, String request, long end) throws IOException, InterruptedException {
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < request.length() && System.nanoTime() < end; i++) {
                c.send(request.substring(i, i + 1));
                Thread.sleep(100);
            }
            RawHttp.Answer answer = c.readAnswer(200);
            if (answer != null) {
                check(request, answer);
            }
        }
    }

    private final class RandomBytes implements Attack {
        private final int port;
        private final SplittableRandom random = new SplittableRandom(15);

        RandomBytes(int port) {
            this.port = port;
        }

        @Override
        public void once() throws IOException {
            byte[] bytes = new byte[1 + random.nextInt(2048)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {         // garbage after a plausible start
                System.arraycopy("POST /predict HTTP/1.1\r\n".getBytes(), 0, bytes, 0, Math.min(24, bytes.length));
            }
            try (RawHttp c = new RawHttp(port)) {
                c.send(bytes);
                RawHttp.Answer answer = c.readAnswer(1500);
                if (answer != null) {
                    check(new String(bytes, 0, Math.min(40, bytes.length), java.nio.charset.StandardCharsets.ISO_8859_1), answer);
                }
            }
        }
    }

    /** Asks for a prediction again and again until {@code end}, each with a 1 s timeout; a failure is any wrong or late answer. */
    private final class NormalClient {
        final List<String> failures = new ArrayList<>();
        int ok;
        private final int port;
        private final long end;

        NormalClient(int port, long end) {
            this.port = port;
            this.end = end;
        }

        void run() throws InterruptedException {
            float[] x = PredictionServer.parse(GOOD, IN);
            int expected = predictor.classify(x);
            HttpRequest request = HttpRequest.newBuilder(server.uri().resolve("/predict")).timeout(Duration.ofSeconds(1))
                    .POST(HttpRequest.BodyPublishers.ofString(GOOD)).build();
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(1)).build()) {
                while (System.nanoTime() < end) {
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200 && response.body().startsWith("{\"class\":" + expected + ",")) {
                            ok++;
                        } else {
                            failures.add("HTTP " + response.statusCode() + " " + response.body());
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}

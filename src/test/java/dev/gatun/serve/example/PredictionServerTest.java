package dev.gatun.serve.example;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.serve.Predictor;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class PredictionServerTest {
    private static final int IN = 6;
    private static final int OUT = 4;

    @TempDir
    Path dir;
    private Predictor predictor;
    private PredictionServer server;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        predictor = SmallClassifier.load(dir, IN, OUT);
        server = PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        server.close();     // before the client: connections the client closes during stop keep stop waiting its full delay
        client.close();
        predictor.close();
    }

    private HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return send("POST", "/predict", HttpRequest.BodyPublishers.ofString(body));
    }

    private static String csv(float[] x) {
        StringJoiner j = new StringJoiner(",");
        for (float v : x) {
            j.add(Float.toString(v));
        }
        return j.toString();
    }

    @Test
    void aGoodRequestGetsTheClassAndProbabilitiesThePredictorGives() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        Pattern answer = Pattern.compile("\\{\"class\":(\\d+),\"probabilities\":\\[([^\\]]*)]}");
        for (int t = 0; t < 20; t++) {
            float[] x = new float[IN];
            for (int j = 0; j < IN; j++) {
                x[j] = random.nextInt(256);
            }
            // Three spellings of the same row: plain, a JSON array, and loose whitespace with integers.
            String[] bodies = {csv(x), "[" + csv(x) + "]", " " + String.join(" , ", Arrays.stream(csv(x).split(","))
                    .map(v -> v.replace(".0", "")).toList()) + "\n"};
            float[] expected = new float[OUT];
            predictor.predict(x, expected);
            for (String body : bodies) {
                HttpResponse<String> response = post(body);
                assertEquals(200, response.statusCode(), body + " -> " + response.body());
                assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
                Matcher m = answer.matcher(response.body());
                assertTrue(m.matches(), response.body());
                assertEquals(predictor.classify(x), Integer.parseInt(m.group(1)), response.body());
                String[] p = m.group(2).split(",");
                assertEquals(OUT, p.length, response.body());
                for (int j = 0; j < OUT; j++) {
                    assertEquals(expected[j], Float.parseFloat(p[j]), "probability " + j + " (Float.toString round-trips exactly)");
                }
            }
        }
    }

    /**
     * A JSON array as Python's json.dumps(x, indent=4) writes float64 values: a newline, four spaces, up to 23
     * characters and a comma per value. The cap, sized for float32 text, refused such arrays with 413.
     */
    @Test
    void aPrettyPrintedJsonArrayOfDoublesFitsTheCap() throws Exception {
        int inputs = 784;   // where the fixed 64 bytes no longer cover the difference
        StringBuilder json = new StringBuilder("[");
        for (int j = 0; j < inputs; j++) {
            json.append(j == 0 ? "" : ",").append("\n    ").append("-9.5912345678901234e-05");
        }
        json.append("\n]");
        try (Predictor wide = SmallClassifier.load(dir, inputs, OUT);
             PredictionServer wideServer = PredictionServer.start(wide,
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(wideServer.uri().resolve("/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString(json.toString())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), json.length() + " bytes: " + response.body());
            assertTrue(response.body().startsWith("{\"class\":"), response.body());
        }
    }

    /** A row whose outputs overflow is a 400 saying so, without the predictor's advice to Java callers. */
    @Test
    void aRowThatOverflowsTheModelIsA400WithoutJavaAdvice() throws Exception {
        Path file = dir.resolve("huge.gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(IN).dense(8, Activation.RELU).output(OUT, Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build(arena)) {
            for (String name : List.of("W1", "W2")) {
                Tensor w = model.tensorsByName().get(name);
                for (long k = 0; k < w.size(); k++) {
                    w.set(k, 1e30);   // 6 inputs of 1 through two layers of 1e30: beyond float32
                }
            }
            ModelIo.save(file, model, Normalization.scaleToUnit(IN), Map.of());
        }
        try (Predictor huge = Predictor.load(file);
             PredictionServer hugeServer = PredictionServer.start(huge, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(hugeServer.uri().resolve("/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString("255,255,255,255,255,255")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode(), response.body());
            assertTrue(response.body().contains("overflow the model's layers in float32"), response.body());
            assertTrue(response.body().endsWith("float32\"}"), "the Java advice stays out: " + response.body());
        }
    }

    @Test
    void everyBadRequestIsA400Or413WithAOneLineJsonError() throws Exception {
        String ok = csv(new float[IN]);
        int max = server.maxBodyBytes();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("", "expected 6");
        bad.put("1,2,3,4,5", "got 5");
        bad.put(ok + ",1", "got 7");
        bad.put("1,2,3,abc,5,6", "value 3 is not a number: 'abc'");
        bad.put("1,2,3,NaN,5,6", "value 3");
        bad.put("1,2,Infinity,4,5,6", "value 2");
        bad.put("1,2,3,0x1p3,5,6", "value 3");
        bad.put("1,2,3,4f,5,6", "value 3");
        bad.put("1,,3,4,5,6", "value 1");
        bad.put("1,2,3,4,5,1e39", "value 5 is 1e39, beyond float32's range");   // named as sent, not as the Infinity it becomes
        bad.put("1,2,3,4,5,\"6\\\n7", "value 5 is not a number: '\\\"6\\\\?7'");  // quote, backslash, newline escaped
        for (Map.Entry<String, String> e : bad.entrySet()) {
            HttpResponse<String> response = post(e.getKey());
            String what = "body '" + (e.getKey().length() > 40 ? e.getKey().substring(0, 40) + "..." : e.getKey()) + "'";
            assertEquals(400, response.statusCode(), what + " -> " + response.body());
            assertTrue(response.body().startsWith("{\"error\":\"") && response.body().endsWith("\"}"), response.body());
            assertEquals(1, response.body().lines().count(), response.body());
            assertTrue(response.body().contains(e.getValue()), what + ": expected '" + e.getValue() + "' in " + response.body());
            assertFalse(response.body().contains("Options."), "Java advice in an HTTP answer: " + response.body());
        }
        // A body over the cap is 413: refused from its declared length, or cut off past the cap when chunked.
        HttpResponse<String> declared = post("0".repeat(max + 1));
        assertEquals(413, declared.statusCode(), declared.body());
        assertEquals("{\"error\":\"body of " + (max + 1) + " bytes is over the limit of " + max + "\"}", declared.body());
        assertEquals(200, post(" ".repeat(max - csv(new float[IN]).length()) + csv(new float[IN])).statusCode(), "exactly the cap");
        byte[] big = "1,".repeat(max).getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> chunked = send("POST", "/predict", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertEquals("{\"error\":\"body is over the limit of " + max + " bytes\"}", chunked.body());
        // Still serving after all that.
        assertEquals(200, post(ok).statusCode());
    }

    @Test
    void wrongMethodsAndPathsAre405And404AndHealthAnswers() throws Exception {
        HttpResponse<String> health = send("GET", "/health", HttpRequest.BodyPublishers.noBody());
        assertEquals(200, health.statusCode());
        assertEquals("{\"status\":\"ok\",\"inputs\":6,\"outputs\":4}", health.body());
        HttpResponse<String> get = send("GET", "/predict", HttpRequest.BodyPublishers.noBody());
        assertEquals(405, get.statusCode(), get.body());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertTrue(get.body().contains("takes POST"), get.body());
        assertEquals("", get.headers().firstValue("Connection").orElse(""), "no body to drain: the connection stays");
        // A body the server does not read ends the connection after the answer (the next request opens another).
        HttpResponse<String> postHealth = send("POST", "/health", HttpRequest.BodyPublishers.ofString("x"));
        assertEquals(405, postHealth.statusCode());
        assertEquals("close", postHealth.headers().firstValue("Connection").orElse(""));
        HttpResponse<String> more = send("POST", "/predict/more", HttpRequest.BodyPublishers.ofString("x"));
        assertEquals(404, more.statusCode());
        assertEquals("close", more.headers().firstValue("Connection").orElse(""));
        HttpResponse<String> root = send("GET", "/", HttpRequest.BodyPublishers.noBody());
        assertEquals(404, root.statusCode());
        assertEquals("{\"error\":\"no such path: /\"}", root.body());
    }

    @Test
    void aClosedPredictorIs503AndAStoppedServerRefusesConnections() throws Exception {
        predictor.close();
        HttpResponse<String> response = post(csv(new float[IN]));
        assertEquals(503, response.statusCode(), response.body());
        HttpResponse<String> health = send("GET", "/health", HttpRequest.BodyPublishers.noBody());
        assertEquals(503, health.statusCode(), "a readiness probe must not hear ok: " + health.body());
        assertTrue(health.body().startsWith("{\"status\":\"stopping\""), health.body());
        URI uri = server.uri();
        server.close();
        server.close();
        HttpRequest request = HttpRequest.newBuilder(uri.resolve("/health")).timeout(Duration.ofSeconds(10)).GET().build();
        try (HttpClient fresh = HttpClient.newHttpClient()) {
            assertThrows(IOException.class, () -> fresh.send(request, HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void onlyClassifiersAndSaneArgumentsStart() {
        try (Arena arena = Arena.ofConfined();
             Model mse = Model.builder(3).output(2, Loss.MSE).build(arena);
             Predictor regression = Predictor.of(mse, Normalization.none(3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PredictionServer.start(regression, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1));
            assertTrue(e.getMessage().contains("MSE"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> PredictionServer.start(predictor, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    @Test
    void parseReadsPlainDecimalsOnly() {
        assertArrayEquals(new float[] {1f, 2.5f, -300f, 0.25f, 7f}, PredictionServer.parse(" [1, 2.5 ,-3e2,.25,+7.]\n", 5));
        assertThrows(IllegalArgumentException.class, () -> PredictionServer.parse("1,2", 3));
        assertThrows(IllegalArgumentException.class, () -> PredictionServer.parse("1,2,-", 3));
        assertThrows(IllegalArgumentException.class, () -> PredictionServer.parse("1,2,1e", 3));
        assertArrayEquals(new float[] {1.5e-3f, 1e5f, -0.5f, 5f, 12f},
                PredictionServer.parse("1.5e-3,1e+5,-.5,5.,0012", 5), "possessive quantifiers take what they took before");
        for (String bad : new String[] {".", "e5", "1.2.3", "--1", "1e5e5", "+", "1 2"}) {
            assertThrows(IllegalArgumentException.class, () -> PredictionServer.parse("0," + bad, 2), bad);
        }
        // A long run of digits that ends in a letter: refused in one pass (it took 2.7 s of backtracking at 17,000).
        String digits = "7".repeat(100_000) + "x";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PredictionServer.parse("0," + digits, 2));
        assertTrue(e.getMessage().startsWith("value 1 is not a number: '77777777777777777777...'"), e.getMessage());
        assertEquals("{\"error\":\"a \\\"b\\\" \\\\ ?\"}", PredictionServer.error("a \"b\" \\ \n"));
    }
}

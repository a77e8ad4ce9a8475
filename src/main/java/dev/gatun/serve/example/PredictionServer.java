package dev.gatun.serve.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gatun.serve.Predictor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A small HTTP prediction service on the JDK's built-in server ({@code com.sun.net.httpserver}), around one shared
 * {@link Predictor}. It is the README's example, so it stays short.
 *
 * <pre>
 * POST /predict   body: the raw features as comma-separated decimal numbers, e.g. {@code 0,12.5,255,...};
 *                 surrounding [ ] are allowed, so a JSON array of numbers works too
 *                 200 {"class":3,"probabilities":[0.01,...]}
 * GET  /health    200 {"status":"ok","inputs":784,"outputs":10}
 * </pre>
 *
 * A request that is wrong (wrong count, anything but a plain decimal number, a value that is NaN or overflows to
 * infinity, a body over {@link #maxBodyBytes()}) gets 400 and a one-line {@code {"error":"..."}}; a wrong method
 * 405, an unknown path 404, a request that arrives while the server stops 503. Only a bug gives 500.
 *
 * <p><b>Threads.</b> Exchanges run on a fixed pool, one thread per core by default. A prediction is microseconds of
 * CPU work that never blocks, so more threads than cores would only queue at the CPU instead of in the pool, and
 * virtual threads (made for blocking I/O) would buy nothing; a fixed pool also keeps the number of concurrent
 * Predictor calls, hence its scratch memory, bounded. The JDK server reads request headers on its own dispatcher
 * thread; a client that trickles its body in slowly does hold one pool thread meanwhile (a production server puts
 * a proxy with timeouts in front).
 *
 * <p><b>Stop.</b> {@link #close()} stops accepting connections, lets exchanges in flight finish (up to
 * {@value #STOP_SECONDS} s), then stops the pool. The predictor belongs to the caller: close it after the server.
 */
public final class PredictionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PredictionServer.class);
    static final int STOP_SECONDS = 2;
    /** A plain decimal number, as JSON writes them: no NaN, Infinity, hex or type suffixes. */
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private final Predictor predictor;
    private final HttpServer server;
    private final ExecutorService pool;
    private final int maxBodyBytes;
    private volatile boolean stopped;

    private PredictionServer(Predictor predictor, InetSocketAddress address, int threads) throws IOException {
        this.predictor = predictor;
        // Room for every feature written at full float precision ("-1.23456789E-12, ") plus brackets and a newline.
        this.maxBodyBytes = 64 + 24 * predictor.inputs();
        this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("gatun-http-", 0).factory());
        this.server = HttpServer.create(address, 0);
        server.createContext("/predict", this::predict);
        server.createContext("/health", this::health);
        server.createContext("/", PredictionServer::notFound);      // every other path
        server.setExecutor(pool);
        server.start();
        log.info("serving {} -> {} predictions on {} with {} threads", predictor.inputs(), predictor.outputs(), uri(), threads);
    }

    /**
     * Starts serving {@code predictor} (a classifier: softmax or one sigmoid output) on {@code address} (port 0: any
     * free port, see {@link #port()}), with {@code threads} request threads.
     */
    public static PredictionServer start(Predictor predictor, InetSocketAddress address, int threads) throws IOException {
        if (predictor == null || address == null || threads < 1) {
            throw new IllegalArgumentException("prediction server needs a predictor, an address and >= 1 threads; got "
                    + predictor + ", " + address + ", " + threads);
        }
        if (!predictor.canClassify()) {
            throw new IllegalArgumentException("the prediction server answers with a class, and a " + predictor.loss()
                    + " model with " + predictor.outputs() + " outputs has none");
        }
        return new PredictionServer(predictor, address, threads);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base address, e.g. {@code http://127.0.0.1:43117}. */
    public URI uri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port());
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    private void predict(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (route(exchange, "/predict", "POST")) {
                Response response;
                try {
                    response = answer(readBody(exchange));
                } catch (BadRequest e) {
                    response = new Response(400, error(e.getMessage()));
                }
                reply(exchange, response.status(), response.json());
            }
        }
    }

    record Response(int status, String json) {}

    /** The answer to one /predict body. */
    Response answer(String body) {
        try {
            float[] probabilities = new float[predictor.outputs()];
            int label = predictor.classify(parse(body, predictor.inputs()), probabilities);
            return new Response(200, json(label, probabilities));
        } catch (IllegalArgumentException e) {   // BadRequest, or a value the predictor rejects: NaN, ±Inf after overflow
            return new Response(400, error(e.getMessage()));
        } catch (IllegalStateException e) {      // the predictor was closed: the service is stopping
            return new Response(503, error("the service is stopping"));
        } catch (RuntimeException e) {           // a bug, not the client's fault
            log.error("prediction failed", e);
            return new Response(500, error("internal error: " + e));
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (route(exchange, "/health", "GET")) {
                reply(exchange, stopped ? 503 : 200, "{\"status\":\"" + (stopped ? "stopping" : "ok") + "\",\"inputs\":"
                        + predictor.inputs() + ",\"outputs\":" + predictor.outputs() + "}");
            }
        }
    }

    /** True when the exchange is for exactly this path and method; otherwise answers 404 or 405 and returns false. */
    private static boolean route(HttpExchange exchange, String path, String method) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            notFound(exchange);
            return false;
        }
        if (!exchange.getRequestMethod().equals(method)) {
            exchange.getResponseHeaders().set("Allow", method);
            reply(exchange, 405, error(path + " takes " + method + ", not " + exchange.getRequestMethod()));
            return false;
        }
        return true;
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        try (exchange) {
            reply(exchange, 404, error("no such path: " + exchange.getRequestURI().getPath()));
        }
    }

    /** The body as text, refused before reading when its declared length is over the cap, and after at most cap + 1 bytes. */
    private String readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > maxBodyBytes) {
            throw new BadRequest("body of " + declared + " bytes is over the limit of " + maxBodyBytes);
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw new BadRequest("body is over the limit of " + maxBodyBytes + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** n comma-separated decimal numbers, optionally inside [ ]. */
    static float[] parse(String body, int n) {
        String s = body.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        String[] values = s.split(",", -1);
        if (values.length != n) {
            throw new BadRequest("expected " + n + " comma-separated numbers, got " + values.length);
        }
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            String v = values[j].strip();
            if (!NUMBER.matcher(v).matches()) {
                throw new BadRequest("value " + j + " is not a number: '" + (v.length() > 20 ? v.substring(0, 20) + "..." : v) + "'");
            }
            x[j] = Float.parseFloat(v);
        }
        return x;
    }

    /** {"class":k,"probabilities":[...]}; Float.toString round-trips each value exactly. */
    static String json(int label, float[] probabilities) {
        StringBuilder json = new StringBuilder("{\"class\":").append(label).append(",\"probabilities\":[");
        for (int j = 0; j < probabilities.length; j++) {
            json.append(j == 0 ? "" : ",").append(Float.isFinite(probabilities[j]) ? Float.toString(probabilities[j]) : "null");
        }
        return json.append("]}").toString();
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** {"error":"..."} on one line; the message may echo client input, so everything but printable ASCII is replaced. */
    static String error(String message) {
        StringBuilder out = new StringBuilder("{\"error\":\"");
        for (char c : message.toCharArray()) {
            out.append(c == '"' || c == '\\' ? "\\" + c : (c < 0x20 || c > 0x7e) ? "?" : String.valueOf(c));
        }
        return out.append("\"}").toString();
    }

    /** Stops accepting, lets exchanges in flight finish (up to {@value #STOP_SECONDS} s), stops the pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        server.stop(STOP_SECONDS);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        log.info("stopped {}", uri());
    }

    /** A request the client got wrong: becomes a 400. */
    static final class BadRequest extends IllegalArgumentException {
        BadRequest(String message) {
            super(message);
        }
    }
}

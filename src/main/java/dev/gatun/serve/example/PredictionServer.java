package dev.gatun.serve.example;

import dev.gatun.serve.Predictor;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * A small HTTP prediction service around one shared {@link Predictor}, on an embedded Jetty server. It is the
 * README's example, so it stays short.
 *
 * <pre>
 * POST /predict   body: the raw features as comma-separated decimal numbers, e.g. {@code 0,12.5,255,...};
 *                 surrounding [ ] are allowed, so a JSON array of numbers works too
 *                 200 {"class":3,"probabilities":[0.01,...]}
 * GET  /health    200 {"status":"ok","inputs":784,"outputs":10}
 * </pre>
 *
 * Every answer is JSON, errors a one-line {@code {"error":"..."}}: a request that is wrong (wrong count, anything but a
 * plain decimal number, a value that is NaN or overflows to infinity) 400; a body over {@link #maxBodyBytes()} 413,
 * refused before it is read when its length is declared; a body not complete within the body timeout 408; headers
 * over their limit 431; a wrong method 405, an unknown path 404, a request that arrives while the server stops 503;
 * a malformed request 400 (or the connection is closed when no HTTP answer is possible). Only a bug gives 500.
 *
 * <p><b>Why Jetty, not the JDK's {@code com.sun.net.httpserver}.</b> The JDK server reads each request's headers and
 * body on a thread of its executor and never times out unless JVM-wide system properties say so, read once per JVM;
 * two clients that send half a request hold a two-thread pool indefinitely. It also answers malformed requests with
 * HTML pages of its own. Jetty reads without holding a thread while bytes trickle in, and takes its timeouts, limits
 * and error pages per server ({@link ServerLimits}, {@link JsonErrorHandler}).
 *
 * <p><b>Threads.</b> Requests run on a bounded pool of {@code threads} request threads (plus one that accepts
 * connections and one that watches the sockets), one per core by default. A prediction is microseconds of CPU work
 * that never blocks, so more threads than cores would only queue at the CPU instead of in the pool; a bounded pool
 * also keeps the number of concurrent Predictor calls, hence its scratch memory, bounded.
 *
 * <p><b>Stop.</b> {@link #close()} stops accepting connections, lets requests in flight finish (up to
 * {@value #STOP_SECONDS} s), then stops the threads. The predictor belongs to the caller: close it after the server.
 */
public final class PredictionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PredictionServer.class);
    static final int STOP_SECONDS = 2;
    static final String JSON = "application/json";
    /** The threads besides the request threads: one accepts connections, one watches the sockets for bytes. */
    private static final int ACCEPTORS = 1;
    private static final int SELECTORS = 1;
    /** A plain decimal number, as JSON writes them: no NaN, Infinity, hex or type suffixes. */
    /**
     * A decimal number. Possessive quantifiers: with {@code \d+\.?\d*} a run of 17,000 digits ending in a letter
     * was split every way before failing, 2.7 s of a request thread for one 18 KB body; nothing here needs to give
     * characters back, so each part keeps what it took and a bad value fails in one pass.
     */
    private static final Pattern NUMBER = Pattern.compile("[-+]?+(\\d++\\.?+\\d*+|\\.\\d++)([eE][-+]?+\\d++)?+");

    /** The predictor's closing advice is for Java callers (a Predictor option), not for an HTTP client. */
    private static final Pattern JAVA_ADVICE = Pattern.compile(
            "\\s*\\(non-finite [^;()]*; Options\\.withNonFinite\\(PROPAGATE\\) lets them through\\)$");

    private final Predictor predictor;
    private final Server server;
    private final ServerConnector connector;
    private final int maxBodyBytes;
    private final URI uri;
    private volatile boolean stopped;

    private PredictionServer(Predictor predictor, InetSocketAddress address, int threads, ServerLimits limits) throws IOException {
        this.predictor = predictor;
        // Room for every feature at full double precision, as JSON writers print it ("-1.2345678901234567e-05, " is
        // 25 bytes; json.dumps with indent=4 adds a newline and 4 spaces), plus brackets and a newline.
        this.maxBodyBytes = 64 + 32 * predictor.inputs();
        QueuedThreadPool pool = new QueuedThreadPool(threads + ACCEPTORS + SELECTORS, threads + ACCEPTORS + SELECTORS);
        pool.setName("gatun-http");
        pool.setReservedThreads(0);
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, ACCEPTORS, SELECTORS, new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.addBean(new HeaderDeadline(connector.getScheduler(), limits.headerTimeout().toMillis()));
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        server.setErrorHandler(new JsonErrorHandler());
        server.setHandler(new GracefulHandler(new PredictionHandler(this, maxBodyBytes, limits.bodyTimeout().toMillis())));
        server.setStopTimeout(STOP_SECONDS * 1000L);
        server.setStopAtShutdown(false);        // the owner closes it, in its own order (server, then predictor)
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly();
            throw e instanceof IOException io ? io : new IOException("could not start the HTTP server on " + address + ": " + e, e);
        }
        String host = connector.getHost();
        this.uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort());
        log.info("serving {} -> {} predictions on {} with {} threads, {}", predictor.inputs(), predictor.outputs(), uri(),
                threads, limits);
    }

    /**
     * Starts serving {@code predictor} (a classifier: softmax or one sigmoid output) on {@code address} (port 0: any
     * free port, see {@link #port()}), with {@code threads} request threads and the {@link ServerLimits#DEFAULT} limits.
     */
    public static PredictionServer start(Predictor predictor, InetSocketAddress address, int threads) throws IOException {
        return start(predictor, address, threads, ServerLimits.DEFAULT);
    }

    /** As {@link #start(Predictor, InetSocketAddress, int)}, with these limits. */
    public static PredictionServer start(Predictor predictor, InetSocketAddress address, int threads, ServerLimits limits)
            throws IOException {
        if (predictor == null || address == null || threads < 1 || limits == null) {
            throw new IllegalArgumentException("prediction server needs a predictor, an address, >= 1 threads and limits; got "
                    + predictor + ", " + address + ", " + threads + ", " + limits);
        }
        if (!predictor.canClassify()) {
            throw new IllegalArgumentException("the prediction server answers with a class, and a " + predictor.loss()
                    + " model with " + predictor.outputs() + " outputs has none");
        }
        return new PredictionServer(predictor, address, threads, limits);
    }

    public int port() {
        return uri.getPort();
    }

    /** The base address, e.g. {@code http://127.0.0.1:43117}. */
    public URI uri() {
        return uri;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    record Response(int status, String json) {}

    /** The answer to one /predict body. */
    Response answer(String body) {
        try {
            float[] probabilities = new float[predictor.outputs()];
            int label = predictor.classify(parse(body, predictor.inputs()), probabilities);
            return new Response(200, json(label, probabilities));
        } catch (IllegalArgumentException e) {   // BadRequest, or a row whose outputs overflow in float32
            return new Response(400, error(JAVA_ADVICE.matcher(e.getMessage()).replaceFirst("")));
        } catch (IllegalStateException e) {      // the predictor was closed: the service is stopping
            return new Response(503, error("the service is stopping"));
        } catch (RuntimeException e) {           // a bug, not the client's fault
            log.error("prediction failed", e);
            return new Response(500, error("internal error: " + e));
        }
    }

    /** The answer to GET /health. */
    Response health() {
        // A closed predictor answers every prediction 503: a load balancer must hear the same here, not "ok".
        boolean serving = !stopped && !predictor.isClosed();
        return new Response(serving ? 200 : 503, "{\"status\":\"" + (serving ? "ok" : "stopping") + "\",\"inputs\":"
                + predictor.inputs() + ",\"outputs\":" + predictor.outputs() + "}");
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
            if (Float.isInfinite(x[j])) {   // the pattern admits no Infinity: a finite number beyond float32's range
                throw new BadRequest("value " + j + " is " + (v.length() > 20 ? v.substring(0, 20) + "..." : v)
                        + ", beyond float32's range of +-" + Float.MAX_VALUE + " (the model computes in float32)");
            }
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

    /** {"error":"..."} on one line; the message may echo client input, so everything but printable ASCII is replaced. */
    static String error(String message) {
        StringBuilder out = new StringBuilder("{\"error\":\"");
        for (char c : message.toCharArray()) {
            out.append(c == '"' || c == '\\' ? "\\" + c : (c < 0x20 || c > 0x7e) ? "?" : String.valueOf(c));
        }
        return out.append("\"}").toString();
    }

    /** Stops accepting, lets requests in flight finish (up to {@value #STOP_SECONDS} s), stops the threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        stopQuietly();
        log.info("stopped {}", uri());
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {                  // nothing the caller could do: log, and the threads are gone anyway
            log.warn("stopping the HTTP server: {}", e.toString());
        }
    }

    /** A request the client got wrong: becomes a 400. */
    static final class BadRequest extends IllegalArgumentException {
        BadRequest(String message) {
            super(message);
        }
    }
}

package dev.gatun.serve.example;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP side of {@link PredictionServer}: routes, methods, and the request body, read without holding a thread.
 *
 * <p>A body whose declared length is over the cap is refused (413) before a byte of it is read, and the connection is
 * closed rather than drained. A body of unknown length (chunked) is read up to the cap and refused past it. A body
 * still incomplete {@link ServerLimits#bodyTimeout()} after its headers gets 408 and the connection is closed. While a
 * body trickles in, no thread waits for it: Jetty calls back when bytes arrive, so slow clients cost a connection
 * each, never a request thread.
 */
final class PredictionHandler extends Handler.Abstract {
    private final PredictionServer service;
    private final int maxBodyBytes;
    private final long bodyTimeoutMillis;

    PredictionHandler(PredictionServer service, int maxBodyBytes, long bodyTimeoutMillis) {
        this.service = service;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        switch (path == null ? "" : path) {
            case "/predict" -> {
                if (allowed(request, response, callback, "POST")) {
                    predict(request, response, callback);
                }
            }
            case "/health" -> {
                if (allowed(request, response, callback, "GET")) {
                    PredictionServer.Response health = service.health();
                    send(response, callback, health.status(), health.json(), false);
                }
            }
            default -> send(response, callback, HttpStatus.NOT_FOUND_404, PredictionServer.error("no such path: " + path),
                    carriesBody(request));
        }
        return true;
    }

    private static boolean allowed(Request request, Response response, Callback callback, String method) {
        if (request.getMethod().equals(method)) {
            return true;
        }
        response.getHeaders().put(HttpHeader.ALLOW, method);
        send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, PredictionServer.error(
                request.getHttpURI().getPath() + " takes " + method + ", not " + request.getMethod()), carriesBody(request));
        return false;
    }

    /**
     * Whether the request has a body this handler will not read. Its answer then closes the connection, as the 413
     * does: left for Jetty to drain after the answer, an unread body sometimes failed inside Jetty (a
     * NullPointerException in HttpChannelState, Jetty 12.1.6) and dropped the connection, and the client's next
     * request on it got no answer at all.
     */
    private static boolean carriesBody(Request request) {
        long length = request.getLength();
        return length > 0 || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
    }

    private void predict(Request request, Response response, Callback callback) {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            send(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413,
                    PredictionServer.error("body of " + declared + " bytes is over the limit of " + maxBodyBytes), true);
            return;
        }
        AtomicBoolean answered = new AtomicBoolean();
        String late = PredictionServer.error("the body did not arrive within " + bodyTimeoutMillis + " ms");
        Scheduler.Task deadline = request.getComponents().getScheduler().schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                send(response, callback, HttpStatus.REQUEST_TIMEOUT_408, late, true);
            }
        }, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
        // BLOCKING: the prediction runs on a request thread, never on the thread that watches the sockets.
        Content.Source.asByteArrayAsync(request, maxBodyBytes, Promise.Invocable.from(Invocable.InvocationType.BLOCKING,
                (byte[] body, Throwable failure) -> {
                    deadline.cancel();
                    if (!answered.compareAndSet(false, true)) {
                        return;
                    }
                    if (body != null) {
                        PredictionServer.Response answer = service.answer(new String(body, StandardCharsets.UTF_8));
                        send(response, callback, answer.status(), answer.json(), false);
                    } else if (failure instanceof IllegalStateException) {      // Jetty's "Max size exceeded"
                        send(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413,
                                PredictionServer.error("body is over the limit of " + maxBodyBytes + " bytes"), true);
                    } else if (failure instanceof TimeoutException) {           // the idle timeout, if shorter
                        send(response, callback, HttpStatus.REQUEST_TIMEOUT_408, late, true);
                    } else {                                  // the client went away, or framed the body wrongly
                        send(response, callback, HttpStatus.BAD_REQUEST_400, PredictionServer.error("the body could not"
                                + " be read: it ended early or its chunked framing is malformed"), true);
                    }
                }));
    }

    /** One JSON answer; {@code close} ends the connection after it, where the rest of the request will not be read. */
    static void send(Response response, Callback callback, int status, String json, boolean close) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PredictionServer.JSON);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        Content.Sink.write(response, true, json, callback);
    }
}

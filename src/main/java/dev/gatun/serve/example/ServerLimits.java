package dev.gatun.serve.example;

import java.time.Duration;

/**
 * What one client may take from the example prediction service, so that no client, slow, idle or hostile, can
 * keep the others waiting.
 *
 * @param idleTimeout    a connection on which nothing arrives (or nothing can be sent) for this long is closed:
 *                       keep-alive between requests, a half-sent request line or header, a stalled body
 * @param bodyTimeout    a request body must be complete this long after its headers; otherwise 408 and closed
 * @param maxConnections connections open at once; more wait in the listen backlog until one closes
 * @param maxHeaderBytes request line plus headers; over it: 431 (or 414 for the request line alone), closed
 * @param headerTimeout  a connection on which bytes arrive for this long without completing a request's line and
 *                       headers is closed (checked once a period: within two, three right after a completed
 *                       request). The idle timeout restarts with every byte: a client sending one header byte a
 *                       second held its connection for hours. At least the
 *                       body timeout, which answers a slow body with 408 first
 */
public record ServerLimits(Duration idleTimeout, Duration bodyTimeout, int maxConnections, int maxHeaderBytes,
                           Duration headerTimeout) {
    public static final ServerLimits DEFAULT = new ServerLimits(Duration.ofSeconds(10), Duration.ofSeconds(5), 512, 8192,
            Duration.ofSeconds(10));

    public ServerLimits {
        if (idleTimeout == null || bodyTimeout == null || headerTimeout == null || idleTimeout.toMillis() < 1
                || bodyTimeout.toMillis() < 1 || headerTimeout.compareTo(bodyTimeout) < 0 || maxConnections < 1
                || maxHeaderBytes < 256) {
            throw new IllegalArgumentException("server limits need timeouts >= 1 ms, a header timeout at least the body"
                    + " timeout, maxConnections >= 1 and maxHeaderBytes >= 256; got " + idleTimeout + ", " + bodyTimeout
                    + ", " + maxConnections + ", " + maxHeaderBytes + ", " + headerTimeout);
        }
    }

    /** Limits whose header timeout is the longer of the idle and body timeouts. */
    public ServerLimits(Duration idleTimeout, Duration bodyTimeout, int maxConnections, int maxHeaderBytes) {
        this(idleTimeout, bodyTimeout, maxConnections, maxHeaderBytes,
                idleTimeout == null || bodyTimeout == null ? null
                        : idleTimeout.compareTo(bodyTimeout) >= 0 ? idleTimeout : bodyTimeout);
    }
}

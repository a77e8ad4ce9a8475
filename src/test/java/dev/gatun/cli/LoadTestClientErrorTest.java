package dev.gatun.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import static org.junit.jupiter.api.Assertions.*;

/** A client thread that meets an Error, not an exception, must neither hang the load test nor vanish from its counts. */
class LoadTestClientErrorTest {
    @Test
    @Timeout(60)
    void anErrorInTheWarmUpIsCountedAndTheLoadTestEnds() throws Exception {
        LoadTest.Result result = LoadTest.run(new FailingClient(), URI.create("http://127.0.0.1:9/predict"), 3, 4, 6, 2);
        // Each client's warm-up stops at its first send, and so do its timed requests: two errors per client.
        assertEquals(4, result.errors(), result.toString());
        assertEquals(0, result.requests());
        assertTrue(result.firstError().startsWith("warm-up stopped: java.lang.StackOverflowError"), result.firstError());
    }

    @Test
    @Timeout(60)
    void anErrorInTheTimedRequestsIsCounted() throws Exception {
        LoadTest.Result result = LoadTest.run(new FailingClient(), URI.create("http://127.0.0.1:9/predict"), 3, 0, 6, 2);
        assertEquals(2, result.errors(), result.toString());   // one per client: its loop stops at the Error
        assertTrue(result.firstError().startsWith("client stopped: java.lang.StackOverflowError"), result.firstError());
    }

    /** An HTTP client whose every send throws an Error. */
    private static final class FailingClient extends HttpClient {
        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            throw new StackOverflowError("a send that ran out of stack");
        }

        @Override public Optional<CookieHandler> cookieHandler() { return Optional.empty(); }
        @Override public Optional<Duration> connectTimeout() { return Optional.empty(); }
        @Override public Redirect followRedirects() { return Redirect.NEVER; }
        @Override public Optional<ProxySelector> proxy() { return Optional.empty(); }
        @Override public SSLContext sslContext() { return null; }
        @Override public SSLParameters sslParameters() { return null; }
        @Override public Optional<Authenticator> authenticator() { return Optional.empty(); }
        @Override public Version version() { return Version.HTTP_1_1; }
        @Override public Optional<Executor> executor() { return Optional.empty(); }
        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            throw new UnsupportedOperationException();
        }
        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                HttpResponse.PushPromiseHandler<T> push) {
            throw new UnsupportedOperationException();
        }
    }
}

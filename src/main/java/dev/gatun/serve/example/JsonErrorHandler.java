package dev.gatun.serve.example;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Jetty's own error answers (a malformed request line or header, headers over the limit, an unknown HTTP version, a
 * failure inside a handler) in the service's one-line {@code {"error":"..."}} instead of Jetty's HTML pages.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR_500;
        Object message = request.getAttribute(ERROR_MESSAGE);
        if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
            // The client's fault, like any malformed request: only a bug of the service answers 5xx.
            status = HttpStatus.BAD_REQUEST_400;
            message = "HTTP version not supported: " + message;
            response.setStatus(status);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PredictionServer.JSON);
        Content.Sink.write(response, true, PredictionServer.error(describe(status, message)), callback);
        return true;
    }

    /** Errors found while parsing, before there is a request to hand to {@link #handle}. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, PredictionServer.JSON);
        return ByteBuffer.wrap(PredictionServer.error(describe(status, reason)).getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(int status, Object message) {
        String reason = HttpStatus.getMessage(status);
        return message == null || message.toString().isBlank() || message.toString().equals(reason)
                ? reason.toLowerCase() : reason.toLowerCase() + ": " + message;
    }
}

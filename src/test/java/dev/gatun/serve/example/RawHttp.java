package dev.gatun.serve.example;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A hostile client's side of HTTP/1.1 on a plain socket: send any bytes, at any pace, then read whatever comes back.
 * {@link #readAnswer} returns the first answer on the connection, or {@code null} when the server closed it without
 * one or nothing arrived within the read timeout (both are allowed answers to garbage; a hang is not, since every
 * read is bounded).
 */
final class RawHttp implements AutoCloseable {
    /** One answer: status code, Content-Type (lower case, "" when absent), body as text, the raw head for messages. */
    record Answer(int status, String contentType, String body, String head) {}

    private final Socket socket;

    RawHttp(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** True once the server has closed the connection (a read returns end of stream within {@code millis}). */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {       // reset: closed too
            return true;
        }
    }

    /** The next answer, or null if the connection ends (or stays silent for {@code millis}) before a whole one arrives. */
    Answer readAnswer(int millis) throws IOException {
        socket.setSoTimeout(millis);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            int length = -1;
            String type = "";
            for (String line : lines) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).strip());
                } else if (lower.startsWith("content-type:")) {
                    type = lower.substring(13).strip();
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            return new Answer(status, type, new String(body, StandardCharsets.UTF_8), text.strip());
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {           // reset by the server: no answer
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

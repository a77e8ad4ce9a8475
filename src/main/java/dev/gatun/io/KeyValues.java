package dev.gatun.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A section payload of {@code key=value} lines (UTF-8): the architecture and training metadata, readable with
 * {@code strings} when someone needs to know what a file holds.
 */
final class KeyValues {
    private KeyValues() {}

    static byte[] encode(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        values.forEach((key, value) -> {
            if (key.isEmpty() || key.contains("=") || key.contains("\n") || value.contains("\n")) {
                throw new IllegalArgumentException("key/value '" + key + "' cannot be stored: keys need no '=' or newline, values no newline");
            }
            requireUnicode(key, "key", key);
            requireUnicode(key, "value", value);
            text.append(key).append('=').append(value).append('\n');
        });
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Every key and value is text UTF-8 can hold (ONNX's metadata strings are UTF-8 too). */
    static void requireUnicode(Map<String, String> values) {
        values.forEach((key, value) -> {
            requireUnicode(key, "key", key);
            requireUnicode(key, "value", value);
        });
    }

    /** UTF-8 cannot encode a lone surrogate: getBytes would store '?' in its place and the value would come back changed. */
    private static void requireUnicode(String key, String part, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("key/value '" + key.replace(c, '?') + "' cannot be stored: its " + part
                        + " holds a lone UTF-16 surrogate, U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                        + " at index " + i + ", which is not a character");
            }
        }
    }

    static Map<String, String> decode(Path file, String tag, byte[] payload) throws ModelFormatException {
        Map<String, String> values = new LinkedHashMap<>();
        String text = utf8(file, tag, payload);
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ModelFormatException(file, "section " + tag + " line " + lineNumber + " is not key=value: "
                        + FileText.quote(line));
            }
            if (values.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
                throw new ModelFormatException(file, "section " + tag + " repeats key "
                        + FileText.quote(line.substring(0, eq)));
            }
        }
        return values;
    }

    /** Strict: a malformed byte would otherwise become U+FFFD, and the value would read as something it is not. */
    private static String utf8(Path file, String tag, byte[] payload) throws ModelFormatException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        CharBuffer out = CharBuffer.allocate(payload.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            throw new ModelFormatException(file, "section " + tag + " is not valid UTF-8 at its byte " + in.position());
        }
        return out.flip().toString();
    }
}

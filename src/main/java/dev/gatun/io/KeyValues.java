package dev.gatun.io;

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
            text.append(key).append('=').append(value).append('\n');
        });
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> decode(Path file, String tag, byte[] payload) throws ModelFormatException {
        Map<String, String> values = new LinkedHashMap<>();
        String text = new String(payload, StandardCharsets.UTF_8);
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ModelFormatException(file, "section " + tag + " line " + lineNumber + " is not key=value: '"
                        + abbreviate(line) + "'");
            }
            if (values.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
                throw new ModelFormatException(file, "section " + tag + " repeats key '" + line.substring(0, eq) + "'");
            }
        }
        return values;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}

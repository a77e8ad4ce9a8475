package dev.gatun.io;

import java.nio.charset.StandardCharsets;

/**
 * One section of a model file: a four-letter ASCII tag and its payload. The container checks each section's
 * CRC32; what a payload means is up to the codec for its tag ({@link KeyValues}, {@link TensorTable}).
 */
record Section(String tag, byte[] payload) {
    Section {
        if (tag == null || tag.length() != 4 || !StandardCharsets.US_ASCII.newEncoder().canEncode(tag)) {
            throw new IllegalArgumentException("section tag must be 4 ASCII characters, got '" + tag + "'");
        }
        if (payload == null) {
            throw new IllegalArgumentException("section " + tag + " has a null payload");
        }
    }
}

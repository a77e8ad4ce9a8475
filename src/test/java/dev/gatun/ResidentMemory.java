package dev.gatun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test support: the process's resident set, for off-heap leaks. Off-heap memory shows in no heap or buffer-pool
 * figure; a leak of tens of megabytes per try, repeated twenty times, stands far above the resident set's noise.
 */
public final class ResidentMemory {
    private ResidentMemory() {}

    /** Runs {@code action} once (to load what later runs share), then {@code tries} times, and bounds the growth. */
    public static void assertGrowthBounded(int tries, long boundMb, Runnable action) {
        action.run();
        long before = kb();
        for (int i = 0; i < tries; i++) {
            action.run();
        }
        long grown = kb() - before;
        assertTrue(grown < boundMb * 1024, tries + " tries grew the resident set by " + grown / 1024 + " MB (bound "
                + boundMb + " MB)");
    }

    /** VmRSS from /proc/self/status, in KB. */
    public static long kb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }
}

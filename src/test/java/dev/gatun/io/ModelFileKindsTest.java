package dev.gatun.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Paths that are not regular files, under either format's name: each is refused at once, naming the path, by both
 * {@link ModelIo#load} and {@link ModelIo#describe}. Before, a named pipe blocked the first read until something wrote
 * to it (a hang), and a link to /dev/zero read until the heap ran out.
 */
class ModelFileKindsTest {
    /** Generous on a loaded machine; a refusal takes milliseconds, a regression would block forever. */
    private static final Duration AT_MOST = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void namedPipesAreRefusedWithoutOpeningThem() throws Exception {
        for (String name : new String[] {"pipe.onnx", "pipe.gatun"}) {
            Path pipe = dir.resolve(name);
            Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
            assertEquals(0, mkfifo.waitFor(), "mkfifo " + pipe);
            assertRefused(pipe, "not a regular file");
        }
    }

    @Test
    void aLinkToADeviceIsRefused() throws Exception {
        for (String name : new String[] {"zero.onnx", "zero.gatun"}) {
            assertRefused(Files.createSymbolicLink(dir.resolve(name), Path.of("/dev/zero")), "not a regular file");
        }
    }

    @Test
    void aDirectoryIsRefused() throws Exception {
        assertRefused(Files.createDirectory(dir.resolve("model.onnx")), "is a directory");
    }

    @Test
    void aMissingFileSaysSoWhateverItsName() {
        for (String name : new String[] {"absent.onnx", "absent.gatun"}) {
            Path file = dir.resolve(name);
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelIo.describe(file));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("does not exist"),
                    e.getMessage());
        }
    }

    private static void assertRefused(Path file, String reason) {
        for (boolean describe : new boolean[] {false, true}) {
            ModelFormatException e = assertTimeoutPreemptively(AT_MOST, () -> assertThrows(ModelFormatException.class,
                    () -> read(file, describe)), file.toString());
            assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(reason),
                    (describe ? "describe: " : "load: ") + e.getMessage());
        }
    }

    private static void read(Path file, boolean describe) throws IOException {
        if (describe) {
            ModelIo.describe(file);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                ModelIo.load(file, arena).model().close();
            }
        }
    }
}

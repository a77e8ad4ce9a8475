package dev.gatun.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicReplaceTest {
    @TempDir
    Path dir;

    @Test
    void writesTheBuffersInOrderOverTheOldFileAndLeavesNoTemporaryFile() throws Exception {
        Path file = Files.writeString(dir.resolve("table.csv"), "old content, longer than the new one");
        AtomicReplace.write(file, ByteBuffer.wrap(new byte[] {1, 2}), ByteBuffer.wrap(new byte[0]),
                ByteBuffer.wrap(new byte[] {3}));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "only the file itself");
        }
    }

    @Test
    void theNextWriteRemovesTheTempFilesOfDeadWritersOnly() throws Exception {
        Path file = dir.resolve("model.gatun");
        Process finished = new ProcessBuilder("true").start();
        assertTrue(finished.waitFor(30, TimeUnit.SECONDS));
        String prefix = AtomicReplace.tempPrefix(file);
        assertEquals(".model.gatun.tmp-", prefix);
        Path dead = aged(Files.writeString(dir.resolve(prefix + finished.pid() + "-1f"), "half"));
        // Of a process id not running here, but written a minute ago: perhaps another machine's write in progress.
        Path recent = Files.writeString(dir.resolve(prefix + finished.pid() + "-4c"), "another host's");
        Files.setLastModifiedTime(recent, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minusSeconds(60)));
        Path live = Files.writeString(dir.resolve(prefix + ProcessHandle.current().pid() + "-2e"), "in progress");
        Path foreign = Files.writeString(dir.resolve(prefix + "notes"), "not ours");
        Path otherFile = Files.writeString(dir.resolve(".other.gatun.tmp-" + finished.pid() + "-3d"), "x");

        AtomicReplace.write(file, ByteBuffer.wrap(new byte[] {1, 2, 3}));

        assertFalse(Files.exists(dead), "a dead writer's temp file stays");
        assertTrue(Files.exists(recent), "a recent temp file of an unknown process was removed");
        assertTrue(Files.exists(live), "a live writer's temp file was removed");
        assertTrue(Files.exists(foreign));
        assertTrue(Files.exists(otherFile), "another file's temp file was touched");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    }

    @Test
    void aDirectoryInTheWayIsRefusedAndTheTemporaryFileRemoved() throws Exception {
        Path file = Files.createDirectories(dir.resolve("model.gatun")).resolve("inner");
        Files.writeString(file, "keep");
        Path asFile = file.getParent();
        IOException e = assertThrows(IOException.class,
                () -> AtomicReplace.write(asFile, ByteBuffer.wrap(new byte[] {1})));
        assertEquals("keep", Files.readString(file), e.toString());
        // The file asked for and the system's reason, not the temporary file's name.
        assertTrue(e.getMessage().startsWith("cannot replace " + asFile.toAbsolutePath() + ": ")
                && !e.getMessage().contains(".tmp-"), e.getMessage());
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "the temporary file was left behind");
        }
    }

    /** {@code file}, made older than {@link AtomicReplace.STALE_AFTER}. */
    private static Path aged(Path file) throws IOException {
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(AtomicReplace.STALE_AFTER).minusSeconds(60)));
        return file;
    }
}

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
    void aDirectoryInTheWayIsRefusedAndNoTemporaryFileIsLeft() throws Exception {
        Path file = Files.createDirectories(dir.resolve("model.gatun")).resolve("inner");
        Files.writeString(file, "keep");
        Path asFile = file.getParent();
        IOException e = assertThrows(IOException.class,
                () -> AtomicReplace.write(asFile, ByteBuffer.wrap(new byte[] {1})));
        assertEquals("keep", Files.readString(file), e.toString());
        // The file asked for and the reason, not the temporary file's name.
        assertEquals("cannot write " + asFile.toAbsolutePath() + ": it is a directory, and a write replaces a regular"
                + " file whole", e.getMessage());
        // An empty directory too, refused before anything is written (the rename itself would fail only after).
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IOException emptyRefused = assertThrows(IOException.class,
                () -> AtomicReplace.write(empty, ByteBuffer.wrap(new byte[] {1})));
        assertEquals("cannot write " + empty.toAbsolutePath() + ": it is a directory, and a write replaces a regular"
                + " file whole", emptyRefused.getMessage());
        assertTrue(Files.isDirectory(empty));
        try (var entries = Files.list(dir)) {
            assertEquals(2, entries.count(), "a temporary file was left behind");
        }
    }

    /**
     * A name that holds a device, a pipe or a socket is not replaced: the rename would delete the node (as root,
     * {@code --out /dev/null} deleted the system's {@code /dev/null}). A socket stands for all three: Java makes one
     * without privileges or tools.
     */
    @Test
    void aSocketDeviceOrPipeIsRefusedAndKept() throws Exception {
        Path socket = dir.resolve("service.sock");
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            Path link = Files.createSymbolicLink(dir.resolve("model.gatun"), socket.getFileName());
            for (Path target : new Path[] {socket, link}) {
                IOException e = assertThrows(IOException.class,
                        () -> AtomicReplace.write(target, ByteBuffer.wrap(new byte[] {1})));
                assertEquals("cannot write " + socket.toAbsolutePath() + ": it is not a regular file (a device, pipe"
                        + " or socket), and a write replaces a regular file whole", e.getMessage());
                assertTrue(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "the socket was replaced");
            }
            assertEquals(AtomicReplace.notReplaceable(Path.of("/dev/null")), AtomicReplace.notReplaceable(socket),
                    "a device is refused as the socket is");
            try (var entries = Files.list(dir)) {
                assertEquals(2, entries.count(), "a temporary file was left behind");
            }
        }
    }

    @Test
    void aSymbolicLinkStaysALinkAndTheFileItNamesIsReplaced() throws Exception {
        Path versions = Files.createDirectories(dir.resolve("versions"));
        Path v3 = Files.writeString(versions.resolve("v3.gatun"), "old model");
        Path current = Files.createSymbolicLink(dir.resolve("current.gatun"), Path.of("versions", "v3.gatun"));
        Path alias = Files.createSymbolicLink(dir.resolve("alias.gatun"), current.toAbsolutePath());

        AtomicReplace.write(alias, ByteBuffer.wrap(new byte[] {7, 8}));

        assertTrue(Files.isSymbolicLink(alias) && Files.isSymbolicLink(current), "a link was replaced by a file");
        assertArrayEquals(new byte[] {7, 8}, Files.readAllBytes(v3));
        try (var entries = Files.list(versions)) {
            assertEquals(1, entries.count(), "the temporary file was left behind, or written beside the link");
        }
    }

    @Test
    void aDanglingLinkCreatesItsTargetAndALoopOfLinksIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("next.gatun"), Path.of("made.gatun"));
        AtomicReplace.write(link, ByteBuffer.wrap(new byte[] {1}));
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("made.gatun")));

        Path a = dir.resolve("a.gatun");
        Path b = Files.createSymbolicLink(dir.resolve("b.gatun"), a);
        Files.createSymbolicLink(a, b);
        IOException e = assertThrows(IOException.class, () -> AtomicReplace.write(a, ByteBuffer.wrap(new byte[] {1})));
        assertTrue(e.getMessage().contains("symbolic links in a row"), e.getMessage());
        assertTrue(Files.isSymbolicLink(a) && Files.isSymbolicLink(b));
    }

    @Test
    void anExistingFileKeepsItsPermissions() throws Exception {
        Path file = Files.writeString(dir.resolve("served.gatun"), "old");
        var groupReadable = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(file, groupReadable);
        // Another group than the writer's own: root (as CI runs) may give a file to any group; another user only to
        // their own groups, and then only the mode can be checked here.
        var daemon = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon");
        var view = Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class);
        boolean regrouped;
        try {
            view.setGroup(daemon);
            regrouped = true;
        } catch (java.nio.file.FileSystemException notPermitted) {
            regrouped = false;
        }
        AtomicReplace.write(file, ByteBuffer.wrap(new byte[] {5}));
        assertEquals(groupReadable, Files.getPosixFilePermissions(file));
        if (regrouped) {
            assertEquals(daemon, Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class).group());
        }
        assertArrayEquals(new byte[] {5}, Files.readAllBytes(file));
    }

    /** {@code file}, made older than {@link AtomicReplace.STALE_AFTER}. */
    private static Path aged(Path file) throws IOException {
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(AtomicReplace.STALE_AFTER).minusSeconds(60)));
        return file;
    }
}

package dev.gatun.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file with new bytes atomically: a temporary file in the same directory (named
 * {@code .<name>.tmp-<pid>-<random>}), fsync, rename over the file, fsync of the directory. A crash or a kill leaves
 * either the previous file or the new one. The temporary file takes the umask's mode, as the file would if written
 * directly (a table a user shares keeps the mode they expect). Each write first removes the temporary files that
 * killed writers of the same file left.
 */
public final class AtomicReplace {
    private AtomicReplace() {}

    /** Writes {@code bytes}, one buffer after the other, as the whole new content of {@code file}. */
    public static void write(Path file, ByteBuffer... bytes) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        String tempPrefix = tempPrefix(target);
        removeStaleTemps(dir, tempPrefix);
        Path temp = dir.resolve(tempPrefix + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long left = 0;
                for (ByteBuffer b : bytes) {
                    left += b.remaining();
                }
                while (left > 0) {
                    left -= channel.write(bytes);
                }
                channel.force(true);
            } catch (IOException e) {
                // "No space left on device" alone does not say which of a run's files failed.
                throw new IOException("cannot write " + target + ": " + reason(e), e);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically on this file system", e);
            } catch (IOException e) {
                throw new IOException("cannot replace " + target + ": " + reason(e), e);
            }
            // The rename is durable only once the directory entry is on disk.
            try (FileChannel dirChannel = FileChannel.open(dir, StandardOpenOption.READ)) {
                dirChannel.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot open a directory for fsync; the rename itself is still atomic.
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Why {@code e} happened, in words: the file-system exceptions often carry only the temporary file's path, which
     * names neither the file the user asked for nor the reason ("cannot write /ro/m.onnx: /ro/.m.onnx.tmp-1-ab").
     */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            return FileProblems.meaning(f);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The start of the names of {@code file}'s temporary files; the writer's process id follows it. */
    public static String tempPrefix(Path file) {
        return "." + file.getFileName() + ".tmp-";
    }

    /**
     * A temporary file this old, of a process id that is not running here, is a killed writer's. Younger ones stay:
     * the directory may be shared with another machine or container (an NFS home, a mounted volume), whose writers'
     * process ids mean nothing here, and whose write in progress must not be deleted under it.
     */
    public static final java.time.Duration STALE_AFTER = java.time.Duration.ofHours(1);

    /**
     * Deletes the temporary files that writers of the same target left when they were killed mid-write: a temp
     * file names its writer's process id, so one whose process is gone can never be finished. Files of live
     * processes are someone's write in progress and stay, as do files younger than {@link #STALE_AFTER}.
     */
    private static void removeStaleTemps(Path dir, String tempPrefix) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir,
                entry -> entry.getFileName().toString().startsWith(tempPrefix))) {
            for (Path temp : temps) {
                String rest = temp.getFileName().toString().substring(tempPrefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue; // not a name this class writes
                }
                if (ProcessHandle.of(pid).isEmpty() && olderThan(temp, STALE_AFTER)) {
                    Files.deleteIfExists(temp);
                }
            }
        } catch (IOException e) {
            // Cleaning up after others is best effort; the write itself reports its own failures.
        }
    }

    private static boolean olderThan(Path file, java.time.Duration age) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(java.time.Instant.now().minus(age));
        } catch (IOException e) {
            return false;   // gone already, or unreadable: not ours to delete
        }
    }
}

package dev.gatun.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One writer per model path. Two trainings writing the same file would each save atomically and both report
 * success while one result is silently lost (and a model and its checkpoint could come from different runs), so a
 * writer holds an exclusive OS lock on {@code .NAME.lock} beside the file for as long as it writes it. The OS drops
 * the lock when its process dies, kill -9 included, so a crash never leaves the path locked; the small lock file
 * itself stays (deleting it would let a third writer lock a file the second still holds open). The lock file names
 * its holder, so the second writer's error can say which process to wait for.
 */
final class WriterLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another process (or another writer in this JVM) holds the lock on a path. */
    static final class LockedException extends IOException {
        LockedException(String message) {
            super(message);
        }
    }

    /**
     * The lock file that guards {@code target}: beside the file a write replaces, so that a link and the file it names
     * share one lock (two runs writing current.gatun -> v3.gatun and v3.gatun both wrote v3.gatun).
     */
    static Path lockFile(Path target) {
        Path absolute = dev.gatun.files.AtomicReplace.targetOrAbsolute(target);
        return absolute.resolveSibling("." + absolute.getFileName() + ".lock");
    }

    /**
     * Locks {@code target} for writing, or fails at once naming the holder.
     *
     * @param what how the error names the file to the user (for example "--out model.gatun")
     * @throws LockedException when another writer holds it
     * @throws IOException when the lock file cannot be created (the message names it)
     */
    static WriterLock acquire(Path target, String what) throws IOException {
        Path file = lockFile(target);
        FileChannel channel;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException(what + ": cannot create the lock file " + file + ": " + reason(e), e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another writer in this JVM
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new LockedException(what + " is being written by another run (" + holder + "); wait for it to "
                        + "finish or write somewhere else");
            }
            String me = "pid " + ProcessHandle.current().pid() + ", locked at " + Instant.now();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            return new WriterLock(file, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel.isOpen()) {
                channel.close();
            }
            throw e;
        }
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer bytes = ByteBuffer.allocate(512);
            channel.read(bytes, 0);
            String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "a process that has not written its name yet" : text;
        } catch (IOException e) {
            return "holder unknown: " + reason(e);
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}

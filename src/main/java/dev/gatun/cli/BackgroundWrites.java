package dev.gatun.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes files on one background thread, in the order given, one batch at a time.
 *
 * <p>Why: a checkpoint after every epoch is written atomically and forced to disk, 10–30 ms of waiting for the disk
 * that the next epoch's steps need not share. The caller encodes it first (so the model trains on meanwhile) and
 * should {@link #finish} the previous batch before encoding the next, so that no more than one encoded checkpoint is
 * in memory. A batch waits for the one before it, so a checkpoint never overtakes an older one. A write that failed
 * is thrown by the next {@link #submit} or by {@link #finish}; {@link #close()} waits for the last
 * batch, so a command does not end (nor release its writer locks) while a file is still being written. For one
 * caller thread.
 */
final class BackgroundWrites implements AutoCloseable {
    /** One file's write, which the writer thread runs. */
    @FunctionalInterface
    interface Write {
        void run() throws IOException;
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("gatun-checkpoint-writer").factory());
    private Future<?> pending;

    /** Waits for the batch before (throwing its failure), then starts writing {@code files} in order. */
    void submit(List<Write> files) throws IOException {
        finish();
        List<Write> batch = List.copyOf(files);
        pending = thread.submit(() -> {
            for (Write file : batch) {
                file.run();
            }
            return null;
        });
    }

    /**
     * Waits until every file submitted so far is written; throws the failure of a write that failed (once: the next
     * call has nothing to wait for). The caller names the file: the writes' own messages may hold only a path.
     */
    void finish() throws IOException {
        Future<?> last = pending;
        if (last == null) {
            return;
        }
        try {
            last.get();
            pending = null;
        } catch (ExecutionException e) {
            pending = null;
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            // The write goes on, and stays pending: close() still waits for it.
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a checkpoint to reach the disk");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            pending = null;
            // Waits for a write still running (also when interrupted), then stops the thread.
            thread.close();
        }
    }
}

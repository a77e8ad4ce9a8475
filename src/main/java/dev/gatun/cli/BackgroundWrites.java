package dev.gatun.cli;

import dev.gatun.io.EncodedModel;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes encoded model files on one background thread, in the order given, one batch at a time.
 *
 * <p>Why: a checkpoint after every epoch is written atomically and forced to disk, 10–30 ms of waiting for the disk
 * that the next epoch's steps need not share. They were encoded when submitted, so the model trains on meanwhile.
 * A batch waits for the one before it, so a checkpoint never overtakes an older one, and the thread never holds more
 * than one in memory. A write that failed is thrown by the next {@link #submit} or by {@link #finish}, naming the
 * file; {@link #close()} waits for the last batch, so a command does not end before its files are on disk.
 */
final class BackgroundWrites implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("gatun-checkpoint-writer").factory());
    private Future<?> pending;

    /** Waits for the batch before (throwing its failure), then starts writing {@code files} in order. */
    void submit(List<EncodedModel> files) throws IOException {
        finish();
        pending = thread.submit(() -> {
            for (EncodedModel file : files) {
                try {
                    file.write();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return null;
        });
    }

    /** Waits until every file submitted so far is written; throws the failure of a write that failed. */
    void finish() throws IOException {
        Future<?> last = pending;
        pending = null;
        if (last == null) {
            return;
        }
        try {
            last.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a checkpoint to reach the disk");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            thread.shutdown();
        }
    }
}

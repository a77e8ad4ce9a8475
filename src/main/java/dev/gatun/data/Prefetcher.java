package dev.gatun.data;

import java.util.concurrent.locks.LockSupport;

/**
 * Double buffering: a background thread fills batch {@code k+1} while the consumer works on batch {@code k}.
 *
 * <p>Batch {@code k} lives in slot {@code k mod 2}. Asking for batch {@code j} hands batch {@code j−1} back, so
 * the producer may fill up to batch {@code j+1}; it parks otherwise. The hand-over is two volatile counters and
 * {@link LockSupport#park}/{@code unpark}, which allocate nothing (a lock's condition queue would allocate a node
 * per wait). A failure on the producer is kept and thrown to the consumer when it reaches the batch that failed.
 */
final class Prefetcher implements AutoCloseable {
    private final BatchStream stream;
    private final Batch[] slots;
    private final Thread producer;

    /** Batches {@code 0 .. produced−1} are filled. */
    private volatile long produced;
    /** Batches {@code 0 .. released−1} are handed back; their slots may be refilled. */
    private volatile long released;
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread consumer;
    /** Batches the consumer has taken; touched by the consumer only. */
    private long taken;

    Prefetcher(BatchStream stream, Batch first, Batch second) {
        this.stream = stream;
        this.slots = new Batch[] {first, second};
        this.producer = Thread.ofPlatform().name("gatun-batch-prefetch").daemon().unstarted(this::produce);
        producer.start();
    }

    private void produce() {
        try {
            for (long k = 0; ; k++) {
                // Slot k mod 2 last held batch k−2, which is free once the consumer has asked for batch k−1.
                while (released < k - 1 && !closed) {
                    LockSupport.park(this);
                }
                if (closed) {
                    return;
                }
                stream.fill(slots[(int) (k & 1)], k);
                produced = k + 1;
                LockSupport.unpark(consumer);
            }
        } catch (Throwable t) {
            failure = t;
            LockSupport.unpark(consumer);
        }
    }

    /** The next batch; the one returned before is handed back to the producer. */
    Batch next() {
        long j = taken;
        consumer = Thread.currentThread();
        released = j;
        LockSupport.unpark(producer);
        while (produced <= j) {
            Throwable t = failure;
            if (t != null) {
                throw new IllegalStateException("the batch prefetch thread failed before batch " + j + ": " + t, t);
            }
            if (closed) {
                throw new IllegalStateException("batches are closed");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while waiting for batch " + j);
            }
            LockSupport.park(this);
        }
        taken = j + 1;
        return slots[(int) (j & 1)];
    }

    boolean isRunning() {
        return producer.isAlive();
    }

    /** Stops the producer and waits for it, so that its buffers can be freed safely afterwards. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(producer);
        LockSupport.unpark(consumer);
        boolean interrupted = false;
        while (producer.isAlive()) {
            try {
                producer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

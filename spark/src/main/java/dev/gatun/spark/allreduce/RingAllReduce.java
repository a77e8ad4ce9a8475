package dev.gatun.spark.allreduce;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Sums a float32 buffer across P replicas in place, so that every replica ends with the same bits: the ring
 * algorithm, which moves {@code 2(P−1)/P} of the buffer through each link whatever P is. The buffer is cut into P
 * chunks; in P−1 reduce-scatter steps each replica sends one chunk to its successor and adds the chunk arriving
 * from its predecessor, after which replica r holds the full sum of chunk r+1; in P−1 all-gather steps the summed
 * chunks travel once more round the ring, overwriting. Each chunk is summed in one order, and that sum is copied
 * to everyone, so the replicas agree bit for bit.
 *
 * <p>Sending and receiving run together on non-blocking channels (a replica that sent a whole chunk before reading
 * would deadlock its ring once the chunk outgrows the socket buffers), pausing briefly when neither moves rather
 * than spinning, as the other replica's BLAS threads need the cores. Nothing is allocated per call: the byte views
 * and the receive chunk are made once. A peer that closes its connection, a silence longer than the timeout, or a cancelled task
 * ends the call with an exception naming the peer.
 *
 * <p>Not thread-safe; closes its channels and scratch memory in {@link #close()}.
 */
public final class RingAllReduce implements AutoCloseable {
    /**
     * How long a member polls without pausing while waiting for a hop's first bytes: a neighbour's bytes on loopback
     * or a LAN arrive in tens of microseconds, and the shortest park is about 50 µs of timer slack on Linux. Once bytes
     * stream, polling without pauses only competes with the kernel moving them (a 940 KB sum on loopback took 3 times
     * longer), so the pauses come back.
     */
    private static final long SPIN_NANOS = 30_000;
    private static final long MIN_PAUSE_NANOS = 5_000;
    private static final long MAX_PAUSE_NANOS = 200_000;

    private final int rank;
    private final int size;
    private final int floats;
    private final MemorySegment data;
    /** Two views of the buffer: the chunk being sent, and the chunk the all-gather phase receives into. */
    private final ByteBuffer sendBytes;
    private final ByteBuffer receiveBytes;
    private final Arena scratchArena = Arena.ofConfined();
    private final MemorySegment scratch;
    private final ByteBuffer scratchBytes;
    private final RingLinks links;
    private final long timeoutNanos;
    /** The current call's limit of silence: {@link #timeoutNanos}, or a longer one given to that call. */
    private long waitNanos;
    private final BooleanSupplier cancelled;
    private long bytesPerCall;

    /**
     * @param data the buffer every call sums, float32 in native order; a view this object reads and writes
     * @param links the connected ring ({@link RingLinks#connect}); closed with this object
     * @param timeoutMillis how long a call may wait without a byte moving before it gives up
     * @param cancelled polled while waiting: true ends the call (the task was killed)
     */
    public RingAllReduce(MemorySegment data, RingLinks links, long timeoutMillis, BooleanSupplier cancelled)
            throws IOException {
        if (data.byteSize() % Float.BYTES != 0 || data.byteSize() > Integer.MAX_VALUE - Float.BYTES) {
            throw new IllegalArgumentException("all-reduce buffer of " + data.byteSize()
                    + " bytes: needs whole floats and at most 2 GB (one ByteBuffer)");
        }
        this.rank = links.rank();
        this.size = links.size();
        this.floats = (int) (data.byteSize() / Float.BYTES);
        this.data = data;
        this.sendBytes = data.asByteBuffer();
        this.receiveBytes = data.asByteBuffer();
        // The largest chunk: chunks differ by at most one float.
        this.scratch = scratchArena.allocate(((long) floats / size + 1) * Float.BYTES, 64);
        this.scratchBytes = scratch.asByteBuffer();
        this.links = links;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        this.waitNanos = timeoutNanos;
        this.cancelled = cancelled;
        if (size > 1) {
            links.next().configureBlocking(false);
            links.previous().configureBlocking(false);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Bytes this replica sent in its last call: {@code 2(P−1)/P} of what it summed, for the run's report. */
    public long bytesSentPerCall() {
        return bytesPerCall;
    }

    /** Replaces the buffer's contents with their sum over all replicas. Blocks until the ring has finished. */
    public void sumInPlace() throws IOException {
        sumInPlace(floats);
    }

    /**
     * As {@link #sumInPlace()} for the buffer's first {@code count} floats only (every replica passing the same
     * count): small sums, such as batch norm's statistics, through the same ring and buffer.
     */
    public void sumInPlace(int count) throws IOException {
        sum(count, timeoutNanos);
    }

    /**
     * As {@link #sumInPlace(int)}, waiting up to {@code waitMillis} (at least the ring's timeout) without a byte
     * moving: for a sum some replica enters only after work of unbounded length, such as replica 0 between epochs,
     * which waits for the driver's evaluation. The kill flag is still polled throughout.
     */
    public void sumInPlace(int count, long waitMillis) throws IOException {
        sum(count, Math.max(timeoutNanos, Math.multiplyExact(waitMillis, 1_000_000L)));
    }

    private void sum(int count, long waitNanos) throws IOException {
        this.waitNanos = waitNanos;
        if (count < 0 || count > floats) {
            throw new IllegalArgumentException("all-reduce of " + count + " floats: the buffer holds " + floats);
        }
        long sent = 0;
        for (int step = 0; step < size - 1; step++) {
            int sendChunk = Math.floorMod(rank - step, size);
            int receiveChunk = Math.floorMod(rank - step - 1, size);
            sent += exchange(count, sendChunk, receiveChunk, true);
        }
        for (int step = 0; step < size - 1; step++) {
            int sendChunk = Math.floorMod(rank - step + 1, size);
            int receiveChunk = Math.floorMod(rank - step, size);
            sent += exchange(count, sendChunk, receiveChunk, false);
        }
        bytesPerCall = sent;
    }

    /**
     * Sends one chunk of the first {@code count} floats to the successor while receiving one from the predecessor;
     * adds it in, or copies it over.
     */
    private long exchange(int count, int sendChunk, int receiveChunk, boolean add) throws IOException {
        int sendFrom = chunkStart(count, sendChunk) * Float.BYTES;
        int sendTo = chunkEnd(count, sendChunk) * Float.BYTES;
        int receiveFrom = chunkStart(count, receiveChunk) * Float.BYTES;
        int receiveLength = chunkEnd(count, receiveChunk) * Float.BYTES - receiveFrom;
        sendBytes.limit(sendTo).position(sendFrom);
        // Reduce-scatter receives into scratch and adds; all-gather receives straight into the buffer.
        ByteBuffer target = add ? scratchBytes.clear().limit(receiveLength)
                : receiveBytes.limit(receiveFrom + receiveLength).position(receiveFrom);
        long deadline = System.nanoTime() + waitNanos;
        long pauseNanos = MIN_PAUSE_NANOS;
        long idleSince = 0;
        boolean started = false;
        while (sendBytes.hasRemaining() || target.hasRemaining()) {
            int moved = 0;
            if (sendBytes.hasRemaining()) {
                moved += links.next().write(sendBytes);
            }
            if (target.hasRemaining()) {
                int read = links.previous().read(target);
                if (read < 0) {
                    throw new IOException("all-reduce: replica " + Math.floorMod(rank - 1, size) + " ("
                            + links.previousAddress() + ") closed its connection to replica " + rank);
                }
                moved += read;
            }
            if (moved > 0) {
                deadline = System.nanoTime() + waitNanos;
                pauseNanos = MIN_PAUSE_NANOS;
                started = true;
            } else if (started) {
                pauseNanos = pause(deadline, pauseNanos);
            } else if (idleSince == 0) {
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                pauseNanos = pause(deadline, pauseNanos);
            }
        }
        if (add) {
            for (int i = 0; i < receiveLength; i += Float.BYTES) {
                long at = receiveFrom + i;
                data.set(ValueLayout.JAVA_FLOAT, at, data.get(ValueLayout.JAVA_FLOAT, at) + scratch.get(ValueLayout.JAVA_FLOAT, i));
            }
        }
        return sendTo - sendFrom;
    }

    /**
     * Sleeps a little before the next attempt once polling has found nothing for {@value #SPIN_NANOS} ns, longer the
     * longer nothing has moved (from {@value #MIN_PAUSE_NANOS} to {@value #MAX_PAUSE_NANOS} ns): little CPU taken from the other replica's BLAS
     * threads while its ring neighbour is still computing, at most that much added latency. A selector would wake
     * exactly on readiness, but it allocates on every wake-up.
     */
    private long pause(long deadline, long pauseNanos) throws IOException {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new IOException("all-reduce: replica " + rank + " was cancelled while waiting for its ring");
        }
        if (System.nanoTime() - deadline > 0) {
            throw new IOException("all-reduce: replica " + rank + " waited " + waitNanos / 1_000_000
                    + " ms without a byte moving to replica " + Math.floorMod(rank + 1, size) + " ("
                    + links.nextAddress() + ") or from replica " + Math.floorMod(rank - 1, size) + " ("
                    + links.previousAddress() + ")");
        }
        LockSupport.parkNanos(pauseNanos);
        return Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
    }

    private int chunkStart(int count, int chunk) {
        return (int) ((long) count * chunk / size);
    }

    private int chunkEnd(int count, int chunk) {
        return (int) ((long) count * (chunk + 1) / size);
    }

    @Override
    public void close() throws IOException {
        try (scratchArena; links) {
            // closes both, in reverse order
        }
    }
}

package dev.gatun.kernels;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run the chunks of one call together with the thread that makes it: {@code threads − 1}
 * daemon workers named {@code gatun-step-1}, ... (or after the name given), plus the caller. {@link #run} hands
 * out chunk numbers {@code 0..count−1} to whichever thread asks first and returns when every chunk has run, so which
 * thread runs a chunk varies but what each chunk computes does not.
 *
 * <p>Between calls a worker spins for {@code -Dgatun.step.spin=MICROS} (default 0) and then parks. A spinning
 * worker picks up back-to-back calls at once, but between a step's kernels come its sgemm calls, and where OpenBLAS
 * runs a thread on every core a spinning worker takes a core from it: with 50 µs on 2 cores, 2 OpenBLAS threads,
 * batch 128, the training thread spent as many CPU samples waiting inside sgemm for OpenBLAS's other thread as
 * computing sgemm (251 to 229; 3 to 201 with 0 µs; bench/profile-training, see BENCHMARKS.md). A parked worker costs
 * the caller an unpark per call, and the chunks it has not claimed yet the caller runs itself.
 *
 * <p>A call allocates nothing: the caller passes a reusable {@link Chunks}, and chunks are claimed from one atomic
 * word that holds the call's number and the next chunk, so a worker that wakes after its call has finished finds
 * the number changed and claims nothing of the next one. Calls come from one thread at a time: the pool's owner
 * (the training thread), or whichever thread holds a predictor's batch split, whose hand-over orders its calls. An
 * exception thrown by a chunk is rethrown by {@link #run} on the calling thread once every chunk has finished.
 * {@link #close()} stops the workers.
 */
public final class StepPool implements AutoCloseable {
    /** The most threads a pool runs: one per core of the largest machines (each worker is a parked platform thread). */
    public static final int MAX_THREADS = 1024;
    /** Microseconds a worker spins for the next call before it parks. */
    public static final String SPIN_PROPERTY = "gatun.step.spin";
    private static final long DEFAULT_SPIN_MICROS = 0;
    /** The caller waits for the last chunks spinning this long, then yielding its core to the thread that runs them. */
    private static final long WAIT_SPIN_NANOS = 200_000;

    /** One call's work: chunk number {@code chunk} of the count passed to {@link #run}. */
    @FunctionalInterface
    public interface Chunks {
        void run(int chunk);
    }

    private final Worker[] workers;
    private final long spinNanos;
    /** The call number in the high 32 bits, the next unclaimed chunk in the low 32. */
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    // Two slots, by call-number parity: a worker that read the call number of call c reads slot c & 1, which the
    // caller rewrites only for call c + 2, after call c + 1 has moved the claim word past c. Two fields, not a
    // Chunks[]: C2 guards a store into an array of an interface type with a speculation that fails on every such
    // store, and the traps (array_check, four per compilation) recompiled the methods that inlined it.
    private Chunks task0;
    private Chunks task1;
    private final int[] counts = new int[2];
    private int call;
    private volatile boolean closed;

    /** A pool of {@code threads} in all: the caller and {@code threads − 1} workers started here. */
    public StepPool(int threads) {
        this(threads, "gatun-step");
    }

    /** As {@link #StepPool(int)}, the workers named {@code name-1}, {@code name-2}, ... (thread dumps tell pools apart). */
    public StepPool(int threads, String name) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("a step pool runs 1 (the caller) to " + MAX_THREADS + " threads, asked"
                    + " for " + threads);
        }
        long micros = Long.getLong(SPIN_PROPERTY, DEFAULT_SPIN_MICROS);
        if (micros < 0) {
            throw new IllegalArgumentException("-D" + SPIN_PROPERTY + " must be >= 0 microseconds, got " + micros);
        }
        this.spinNanos = TimeUnit.MICROSECONDS.toNanos(micros);
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(name + "-" + (i + 1));
        }
        for (Worker w : workers) {
            try {
                w.thread.start();
            } catch (RuntimeException | Error e) {
                close();   // no thread for this one (a process limit): stop those already started
                throw e;
            }
        }
    }

    /** The caller plus the workers. */
    public int threads() {
        return workers.length + 1;
    }

    /**
     * Whether the workers may read and write {@code segment}: memory of a confined arena belongs to its owner
     * thread alone, so work on it cannot be handed to the pool.
     */
    public boolean reaches(MemorySegment segment) {
        return workers.length == 0 || segment.isAccessibleBy(workers[0].thread);
    }

    /** The workers' thread ids, for per-thread measurements (allocation tests). */
    public long[] workerIds() {
        long[] ids = new long[workers.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = workers[i].thread.threadId();
        }
        return ids;
    }

    /**
     * Runs {@code task.run(c)} for every c in [0, count) across the pool, the calling thread included, and returns
     * when all have finished. An exception from a chunk is rethrown here (the first one, as it was thrown; the
     * other chunks still run).
     */
    public void run(Chunks task, int count) {
        if (closed) {
            throw new IllegalStateException("step pool is closed");
        }
        if (count <= 1 || workers.length == 0) {
            for (int c = 0; c < count; c++) {
                task.run(c);
            }
            return;
        }
        int number = ++call;
        int slot = number & 1;
        setTask(slot, task);
        counts[slot] = count;
        finished.set(0);
        failure.set(null);
        claim.set((long) number << 32);
        for (Worker w : workers) {
            if (w.sleeping) {
                LockSupport.unpark(w.thread);
            }
        }
        work(number);
        awaitFinished(count);
        setTask(slot, null);
        Throwable thrown = failure.getAndSet(null);
        if (thrown instanceof RuntimeException e) {
            throw e;
        }
        if (thrown instanceof Error e) {
            throw e;
        }
        if (thrown != null) {
            throw new IllegalStateException("a step pool chunk failed: " + thrown, thrown);
        }
    }

    private void setTask(int slot, Chunks task) {
        if (slot == 0) {
            task0 = task;
        } else {
            task1 = task;
        }
    }

    /** Claims and runs chunks of call {@code number} until none is left or the call is over. */
    private void work(int number) {
        int slot = number & 1;
        for (;;) {
            long current = claim.get();
            if ((int) (current >>> 32) != number) {
                return;
            }
            Chunks task = slot == 0 ? task0 : task1;
            int count = counts[slot];
            int chunk = (int) current;
            if (chunk >= count) {
                return;
            }
            if (!claim.compareAndSet(current, current + 1)) {
                continue;
            }
            try {
                task.run(chunk);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    private void awaitFinished(int count) {
        long start = System.nanoTime();
        while (finished.get() < count) {
            if (System.nanoTime() - start < WAIT_SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Stops the workers (they finish the chunk they run, if any) and waits briefly for them. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** True once every worker thread has ended (after {@link #close()}). */
    public boolean stopped() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private final class Worker implements Runnable {
        final Thread thread;
        volatile boolean sleeping;

        Worker(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            int seen = 0;
            while (!closed) {
                int number = awaitCall(seen);
                if (number == seen) {
                    return;
                }
                seen = number;
                work(number);
            }
        }

        /** Spins, then parks, until the claim word carries a call number other than {@code seen}; seen if closed. */
        private int awaitCall(int seen) {
            long deadline = System.nanoTime() + spinNanos;
            for (;;) {
                int number = (int) (claim.get() >>> 32);
                if (number != seen || closed) {
                    return closed ? seen : number;
                }
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                if ((int) (claim.get() >>> 32) == seen && !closed) {
                    LockSupport.park(this);
                }
                sleeping = false;
            }
        }
    }
}

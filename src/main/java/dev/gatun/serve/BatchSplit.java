package dev.gatun.serve;

import dev.gatun.blas.Blas;
import dev.gatun.kernels.StepPool;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A predictor's own threads for one large batch call at a time: the call's rows cut into one share per thread, each
 * share's whole pass (normalisation, each stage's sgemm, bias and activation, the output function) run on its own
 * core with single-threaded sgemm. A split batch agrees with the unsplit call to float32 rounding, not bit for bit
 * (sgemm's blocking depends on a product's row count).
 *
 * <p>Why not OpenBLAS's threads: with them, each stage's sgemm is split and joined on its own, and between the
 * products the bias, activation, normalisation and softmax run on the calling thread alone while the other cores
 * wait. At batch 1024 on 784-256-128-10 with 2 cores, one caller got about 280k rows/s that way and two callers with
 * one BLAS thread each about 380k (BENCHMARKS.md); a share per core hands the work over twice per call instead of
 * twice per stage, and each core keeps its rows' activations in its own cache.
 *
 * <p>Used only while the BLAS runs one thread ({@link Blas#threads()} is 1): shares whose sgemm calls each used
 * several BLAS threads would compete for the same cores and for OpenBLAS's one pool of threads. One call at a time
 * holds the split; a call that finds it taken (another request thread's batch) runs on its own thread as before,
 * so request threads never wait for each other here.
 */
final class BatchSplit implements AutoCloseable {
    private final StepPool pool;
    private final AtomicBoolean taken = new AtomicBoolean();
    /** Calls split so far (written by the split's holder): what a test or a diagnostic reads to see it used. */
    private long splitCalls;

    /** {@code threads} in all: the calling thread and {@code threads − 1} daemon workers started here. */
    BatchSplit(int threads) {
        this.pool = new StepPool(threads, "gatun-batch");
    }

    int threads() {
        return pool.threads();
    }

    /**
     * Takes the split for a call of {@code m} rows if it pays and is free; the caller then runs {@link #run} and
     * must {@link #release} it. False: run the call unsplit.
     */
    boolean tryTake(int m) {
        return m >= pool.threads() * Predictor.BATCH_THREAD_MIN_ROWS && Blas.threads() == 1 && taken.compareAndSet(false, true);
    }

    /** Runs {@code shares.run(k)} for every share k, the calling thread included; returns when all have run. */
    void run(StepPool.Chunks shares) {
        splitCalls++;
        pool.run(shares, pool.threads());
    }

    long splitCalls() {
        return splitCalls;
    }

    /** The workers' thread ids (allocation tests measure each thread). */
    long[] workerIds() {
        return pool.workerIds();
    }

    void release() {
        taken.set(false);
    }

    /** Whether the workers may read {@code segment} (a confined arena's memory is its owner thread's alone). */
    boolean reaches(MemorySegment segment) {
        return pool.reaches(segment);
    }

    /** Stops the workers; the predictor calls it once its slots are retired (or their retiring failed). */
    @Override
    public void close() {
        pool.close();
    }
}

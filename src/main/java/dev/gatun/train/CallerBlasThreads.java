package dev.gatun.train;

import dev.gatun.blas.Blas;

/**
 * The BLAS thread count a trainer's caller had. The count is process-wide: a trainer sets its step's count, gives
 * the caller's back for each epoch's evaluations and at its end. A second trainer started while a first ran took the
 * first's step count (1 with replicas) for its caller's, so it ran without replicas and left the whole process at 1
 * thread when it ended. So the first trainer to start saves the count, every trainer running with it reads that one,
 * and the last to end restores it. While they run together they still share the one count: one's evaluation may
 * run while another steps, each setting it for itself; their results may then differ in the last bits from a run alone.
 */
final class CallerBlasThreads {
    private static int running;
    private static int saved;

    private CallerBlasThreads() {}

    /** The caller's count, saved by the first of the trainers running now. */
    static synchronized int enter() {
        if (running == 0) {
            saved = Blas.threads();   // throws when no BLAS is usable: then nothing is counted
        }
        running++;
        return saved;
    }

    static synchronized void exit() {
        if (--running == 0 && saved >= 1 && Blas.threads() != saved) {   // 0: a library that cannot say
            Blas.setThreads(saved);
        }
    }
}

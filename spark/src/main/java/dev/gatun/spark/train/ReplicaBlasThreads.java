package dev.gatun.spark.train;

import dev.gatun.blas.Blas;

/**
 * The BLAS thread count while replicas run in this JVM. A task owns {@code spark.task.cpus} cores (1 by default); a
 * replica calling BLAS with more threads takes the cores of the executor's other tasks, and OpenBLAS called from two
 * tasks at once with two threads each ran a local[2] epoch about 3.5 times slower than with one thread each. The
 * count is process-wide, so the first replica to start saves the process's count and the last to finish restores it:
 * in local mode the driver's own work (evaluation, prediction) shares the process.
 */
final class ReplicaBlasThreads {
    private static int running;
    private static int saved;

    private ReplicaBlasThreads() {}

    static synchronized void enter(int taskCpus) {
        if (running++ == 0) {
            saved = Blas.threads();
        }
        Blas.setThreads(Math.max(1, taskCpus));
    }

    static synchronized void exit() {
        if (--running == 0) {
            Blas.setThreads(saved);
        }
    }
}

package dev.gatun.spark.train;

import dev.gatun.blas.Blas;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReplicaBlasThreadsTest {
    @Test
    void replicasRunWithTheirTaskCpusAndTheLastToFinishRestoresTheProcessCount() {
        int before = Blas.threads();
        int process = before == 3 ? 4 : 3;
        Blas.setThreads(process);
        try {
            ReplicaBlasThreads.enter(1);
            ReplicaBlasThreads.enter(1);
            assertEquals(1, Blas.threads(), "two replicas of one cpu each");
            ReplicaBlasThreads.exit();
            assertEquals(1, Blas.threads(), "one replica still runs");
            ReplicaBlasThreads.exit();
            assertEquals(process, Blas.threads(), "the last replica restores the process's count");
            ReplicaBlasThreads.enter(0);
            assertEquals(1, Blas.threads(), "a task reporting no cpus still gets one thread");
            ReplicaBlasThreads.exit();
        } finally {
            Blas.setThreads(before);
        }
    }
}

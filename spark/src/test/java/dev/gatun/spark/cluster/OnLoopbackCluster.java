package dev.gatun.spark.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Test classes whose tests share one loopback standalone cluster, started before the first and stopped after the last. */
abstract class OnLoopbackCluster {
    @TempDir
    static Path home;
    static LoopbackCluster cluster;
    /** The JVM flags of the build's tests, which the cluster's JVMs start with. */
    static String flags;

    @BeforeAll
    static void startCluster() throws Exception {
        flags = System.getProperty("gatun.spark.jvm.flags");
        cluster = new LoopbackCluster(home, flags, 2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }
}

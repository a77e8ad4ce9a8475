package dev.gatun.spark.cluster;

import dev.gatun.blas.BlasUnavailableException;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.ml.GatunClassificationModel;
import dev.gatun.spark.ml.GatunClassifier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults on a loopback standalone cluster of separate JVMs: an executor JVM killed while the replicas train, and
 * executors that cannot load OpenBLAS. Neither may end in a model returned as if complete when it is not.
 */
class ClusterFaultsTest {
    @TempDir
    static Path home;
    private static LoopbackCluster cluster;
    private static String flags;

    @BeforeAll
    static void startCluster() throws Exception {
        flags = System.getProperty("gatun.spark.jvm.flags");
        cluster = new LoopbackCluster(home, flags, 2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    /**
     * The same fit twice, the second time with one executor killed once the barrier stage has started. The run
     * either fails with an error saying what failed, or (should the stage be run again) ends with exactly the
     * uninterrupted run's model: never with a model of fewer epochs or other weights. With one stage attempt
     * (DistributedTrainer.STAGE_ATTEMPTS) it fails.
     */
    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void anExecutorKilledMidTrainingRetriesTheStageOrFailsNeverReturnsAPartialModel() throws Exception {
        inSession(flags, spark -> {
            BarrierStages stages = new BarrierStages();
            spark.sparkContext().addSparkListener(stages);
            Dataset<Row> data = TestFrames.frame(spark, TestFrames.teacherRows(6000, 16, 3, 23), 2).cache();
            data.count();
            GatunClassifier classifier = new GatunClassifier().setLayers(16, 32, 3).setActivation("tanh")
                    .setLearningRate(0.01).setEpochs(30).setBatchSize(8).setSeed(9).setNumPartitions(2)
                    .setAllReduceTimeoutMillis(30_000);
            GatunClassificationModel clean = classifier.fit(data);
            long cleanNanos = stages.lastDurationNanos;
            assertEquals(0, stages.failed.get(), "the undisturbed run's barrier stage ran once");

            stages.submitted = new CountDownLatch(1);
            CompletableFuture<GatunClassificationModel> faulted = CompletableFuture.supplyAsync(() -> classifier.fit(data));
            try {
                assertTrue(stages.submitted.await(120, TimeUnit.SECONDS), "the barrier stage did not start\n" + cluster.logs());
                // Well into the epochs: a third of the undisturbed stage's time after it started.
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(cleanNanos / 3));
                cluster.killOneExecutor();
                GatunClassificationModel model = faulted.get(6, TimeUnit.MINUTES);
                System.err.println("ClusterFaultsTest: the fit with a killed executor trained again and returned a model");
                assertTrue(stages.failed.get() >= 1, "the kill hit the barrier stage while it ran");
                assertArrayEquals(clean.trainingLosses(), model.trainingLosses(),
                        "the retried run trains every epoch again, bit for bit");
            } catch (java.util.concurrent.ExecutionException e) {
                String message = String.valueOf(e.getCause().getMessage());
                System.err.println("ClusterFaultsTest: the fit with a killed executor failed: " + message);
                assertTrue(message.contains("Gatun training on Spark failed") || message.contains("all-reduce"),
                        "a failed run says what failed: " + message);
            }
        });
    }

    /** Watches the barrier stages: when one starts, how long the last successful one ran, how many failed. */
    private static final class BarrierStages extends SparkListener {
        volatile CountDownLatch submitted = new CountDownLatch(1);
        volatile long lastDurationNanos;
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted event) {
            if (isBarrier(event.stageInfo())) {
                submitted.countDown();
            }
        }

        @Override
        public void onStageCompleted(SparkListenerStageCompleted event) {
            StageInfo stage = event.stageInfo();
            if (!isBarrier(stage)) {
                return;
            }
            if (stage.failureReason().isDefined()) {
                failed.incrementAndGet();
            } else {
                lastDurationNanos = TimeUnit.MILLISECONDS.toNanos(
                        (Long) stage.completionTime().get() - (Long) stage.submissionTime().get());
            }
        }

        private static boolean isBarrier(StageInfo stage) {
            return CollectionConverters.asJava(stage.rddInfos()).stream().anyMatch(rdd -> rdd.isBarrier());
        }
    }

    /** Executors that cannot load the BLAS library fail the fit with an error naming the host and the library. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anExecutorWithoutBlasFailsTheFitNamingItsHost() throws Exception {
        inSession(flags + " -Dgatun.blas.library=/nonexistent/libopenblas.so.0", spark -> {
            Dataset<Row> data = TestFrames.frame(spark, TestFrames.teacherRows(200, 4, 2, 3), 2);
            GatunClassifier classifier = new GatunClassifier().setLayers(4, 8, 2).setEpochs(1).setBatchSize(16)
                    .setNumPartitions(2);
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, () -> classifier.fit(data));
            assertTrue(e.getMessage().contains("on host 127.0.0.1"), e.getMessage());
            assertTrue(e.getMessage().contains("/nonexistent/libopenblas.so.0"), e.getMessage());
        });
    }

    /** A session on the cluster with both executors registered, its executors started with {@code executorFlags}. */
    private static void inSession(String executorFlags, SessionBody body) throws Exception {
        SparkSession spark = cluster.session("gatun-faults-test", executorFlags);
        try {
            body.run(spark);
        } finally {
            spark.stop();
        }
    }

    private interface SessionBody {
        void run(SparkSession spark) throws Exception;
    }
}

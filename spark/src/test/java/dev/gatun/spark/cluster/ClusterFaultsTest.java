package dev.gatun.spark.cluster;

import dev.gatun.activation.Activation;
import dev.gatun.blas.BlasUnavailableException;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestModels;
import dev.gatun.spark.ml.GatunClassifier;
import dev.gatun.spark.train.Columns;
import dev.gatun.spark.train.DistributedTrainer;
import dev.gatun.spark.train.OptimizerSettings;
import dev.gatun.spark.train.TrainingOutcome;
import dev.gatun.spark.train.TrainingPlan;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults on a loopback standalone cluster of separate JVMs: an executor JVM killed while the replicas train, and
 * executors that cannot load OpenBLAS. Neither may end in a model returned as if complete when it is not.
 */
class ClusterFaultsTest extends OnLoopbackCluster {
    /**
     * The same fit three times on data cached in the executors: undisturbed; with one executor JVM killed a third
     * of an epoch after epoch 1 of 4 was reported (in epoch 2, or later on a loaded machine), which the fit survives
     * by training again from the state after the last epoch reported (the lost cached partition recomputed, its
     * rows keeping their ids), ending with the undisturbed run's losses and weights; and killed again with a single
     * attempt allowed, which fails saying so and returns no model.
     */
    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void anExecutorKilledMidTrainingIsSurvivedFromTheLastEpochOrFailsWhenAttemptsRunOut() throws Exception {
        inSession(flags, spark -> {
            BarrierStages stages = new BarrierStages();
            spark.sparkContext().addSparkListener(stages);
            Dataset<Row> data = TestFrames.frame(spark, TestFrames.teacherRows(3000, 16, 3, 23), 2).cache();
            data.count();
            var spec = Model.builder(16).dense(32, Activation.TANH).output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(9).spec();
            TrainingPlan plan = new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), null, 4, 8, 9,
                    Normalization.Mode.STANDARDIZE_PER_FEATURE, null, null, 0, 30_000);
            Columns columns = new Columns("features", "label");
            TrainingOutcome clean = DistributedTrainer.fit(data, columns, plan, 2);
            assertEquals(0, stages.failed.get(), "the undisturbed run's barrier stage ran once");
            assertArrayEquals(new int[] {0}, clean.attemptStarts());

            List<Integer> heard = new CopyOnWriteArrayList<>();
            long epochMillis = (long) (1000 * clean.epochSeconds()[1]);
            TrainingOutcome retried = DistributedTrainer.fit(data, columns, plan, 2, epoch -> {
                heard.add(epoch.epoch());
                if (epoch.epoch() == 1) {
                    // The replicas wait for this call: the kill comes from another thread, into epoch 2.
                    Thread.ofPlatform().daemon().start(() -> {
                        try {
                            Thread.sleep(epochMillis / 3);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        cluster.killOneExecutor();
                    });
                }
            });
            assertTrue(stages.failed.get() >= 1, "the kill failed the barrier stage");
            assertEquals(List.of(1, 2, 3, 4), heard, "the progress listener hears of every epoch once, in order");
            int[] starts = retried.attemptStarts();
            assertTrue(starts.length >= 2 && starts[1] >= 1, "the second attempt started after a completed epoch, not"
                    + " from the start: " + Arrays.toString(starts));
            for (int e = 0; e < 4; e++) {
                assertEquals(clean.epochLosses()[e], retried.epochLosses()[e], 1e-4 * clean.epochLosses()[e],
                        "epoch " + (e + 1) + "'s loss");
            }
            assertArrayEquals(TestModels.weights(clean.modelFile()), TestModels.weights(retried.modelFile()), 1e-4f);

            spark.conf().set(DistributedTrainer.ATTEMPTS_SETTING, "1");
            AtomicBoolean killed = new AtomicBoolean();
            IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                    DistributedTrainer.fit(data, columns, plan, 2, epoch -> {
                        if (killed.compareAndSet(false, true)) {
                            cluster.killOneExecutor();
                        }
                    }));
            assertTrue(e.getMessage().contains("failed 1 time (" + DistributedTrainer.ATTEMPTS_SETTING + " = 1)")
                    && e.getMessage().contains("no model is returned"), e.getMessage());
        });
    }

    /** Counts the barrier stages that failed. */
    private static final class BarrierStages extends SparkListener {
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void onStageCompleted(SparkListenerStageCompleted event) {
            StageInfo stage = event.stageInfo();
            if (isBarrier(stage) && stage.failureReason().isDefined()) {
                failed.incrementAndGet();
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

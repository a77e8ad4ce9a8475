package dev.gatun.spark.train;

import dev.gatun.optim.Optimizer;
import dev.gatun.spark.ExecutorClassPath;
import dev.gatun.train.ClusterTraining;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code gatun train --spark}'s engine, found by the command line through {@link java.util.ServiceLoader}: the
 * data set as a DataFrame, trained by {@link DistributedTrainer} in a Spark session on the master asked for. A
 * session already running in this JVM (under {@code spark-submit}, say) is used and left running; one started here
 * is stopped at the end, and on a cluster master it ships Gatun's jars to the executors itself
 * ({@link ExecutorClassPath}).
 */
public final class SparkClusterTraining implements ClusterTraining {
    @Override
    public String engine() {
        return "spark";
    }

    /** How long a new session's executors get to register before the run counts its task slots. */
    private static final long REGISTRATION_WAIT_MILLIS = 30_000;

    private static int awaitSlots(SparkSession spark, int wanted) {
        try {
            return BarrierSlots.awaitAtLeast(spark.sparkContext(), wanted, REGISTRATION_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Spark executors to register", e);
        }
    }

    @Override
    public Result train(Request request, Progress progress) {
        // The plan and the data's shape are checked before a session starts: a plan Spark cannot train is refused at
        // once, not after a cluster's executors have registered (up to REGISTRATION_WAIT_MILLIS).
        TrainingPlan plan = new TrainingPlan(request.modelSpec(), new OptimizerSettings(request.optimizer(),
                request.learningRate(), request.beta1(), request.beta2(), Optimizer.DEFAULT_EPSILON),
                request.schedule(), request.epochs(), request.batchSize(), request.shuffleSeed(), request.normalization(),
                null, null, 0, TrainingPlan.DEFAULT_TIMEOUT_MILLIS);
        DataSetFrame.checkTrainable(request.train());
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().master(request.master()).appName("gatun train")
                .config("spark.ui.showConsoleProgress", "false");
        ExecutorClassPath.configure(builder, request.master());
        SparkSession spark = builder.getOrCreate();
        try {
            // Without --partitions, the slots the settings promise: a count taken when the first executor registers
            // would size the run for a cluster still starting.
            int slots = awaitSlots(spark, request.partitions() > 0 ? request.partitions()
                    : BarrierSlots.promised(spark.sparkContext().getConf()));
            int partitions = request.partitions() > 0 ? request.partitions() : slots;
            Dataset<Row> frame = DataSetFrame.of(spark, request.train(), partitions);
            TrainingOutcome outcome = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, partitions,
                    progress, request.start());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("master", spark.sparkContext().master());
            details.put("partitions", outcome.partitions());
            details.put("allreduce_bytes_per_step", outcome.allReduceBytesPerStep());
            details.put("allreduce_seconds_per_epoch", Arrays.stream(outcome.allReduceSecondsPerEpoch()).boxed().toList());
            long steps = plan.stepsPerEpoch(request.train().size()) * (request.start().epochs() + outcome.epochLosses().length);
            return new Result(outcome.modelFile(), outcome.epochLosses(), outcome.epochSeconds(), steps, details);
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }
}

package dev.gatun.spark.train;

import dev.gatun.data.Normalization;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import dev.gatun.spark.BarrierStage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The driver's side of a distributed run. It numbers the rows in the input's own order (so a row's global id,
 * and hence every global batch, does not depend on the number of partitions), spreads them over P partitions,
 * checks every row and sums the normalisation statistics in one ordinary pass, then runs the P replicas as one
 * barrier stage and checks that they finished with the same weights. The driver plans and collects; gradients
 * never pass through it.
 */
public final class DistributedTrainer {
    private static final Logger log = LoggerFactory.getLogger(DistributedTrainer.class);
    /**
     * Runs of the replicas' barrier stage before a fit fails. One: a rerun after a lost executor returned a model
     * whose per-epoch losses differed from an undisturbed run's (by 3% in the first epoch, on the loopback cluster),
     * so it did not start from the same state; until that is found, a lost executor fails the fit with its error
     * rather than returning a model that differs from the one the same settings give.
     */
    static final int STAGE_ATTEMPTS = 1;

    private DistributedTrainer() {}

    /**
     * Trains on {@code data}'s feature-vector and label columns over {@code partitions} replicas.
     *
     * @param plan the model, optimizer, epochs, batch and seed; its normalisation mode is fitted here on the data
     * @throws IllegalArgumentException for a missing column, a bad row (naming its global id), an empty partition,
     *         or more partitions than the cluster can run at once
     */
    public static TrainingOutcome fit(Dataset<Row> data, Columns columns, TrainingPlan plan, int partitions) {
        requireColumns(data, columns);
        int slots = data.sparkSession().sparkContext().defaultParallelism();
        if (partitions < 1 || partitions > slots) {
            throw new IllegalArgumentException(partitions + " partitions: a barrier stage runs all its tasks at once,"
                    + " and this Spark application has " + slots + " task slots; use 1 to " + slots);
        }
        int inputs = plan.modelSpec().inputs();
        int classes = plan.modelSpec().outputs();
        JavaPairRDD<Row, Long> numbered = data.select(columns.features(), columns.label()).toJavaRDD().zipWithIndex();
        if (numbered.getNumPartitions() != partitions) {
            numbered = numbered.repartition(partitions);
        }
        JavaRDD<Tuple2<Row, Long>> rows = numbered.rdd().toJavaRDD();

        List<PartitionSummary> summaries;
        try {
            summaries = new ArrayList<>(rows.mapPartitionsWithIndex(
                    (index, partition) -> List.of(PartitionSummary.of(index, partition, inputs, classes, columns)).iterator(),
                    false).collect());
        } catch (Exception e) {   // Scala throws SparkException without declaring it
            throw TaskFailures.unwrap(e);
        }
        summaries.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        long[] partitionRows = new long[partitions];
        double[] sums = new double[inputs];
        double[] squares = new double[inputs];
        long total = 0;
        for (PartitionSummary summary : summaries) {
            if (summary.rows() == 0) {
                throw new IllegalArgumentException("partition " + summary.partition() + " of " + partitions
                        + " holds no rows: every replica needs data (the input has fewer rows than partitions,"
                        + " or is skewed); use fewer partitions");
            }
            partitionRows[summary.partition()] = summary.rows();
            total += summary.rows();
            for (int j = 0; j < inputs; j++) {
                sums[j] += summary.sums()[j];
                squares[j] += summary.sumsOfSquares()[j];
            }
        }
        TrainingPlan fitted = plan.withData(Normalization.fromSums(plan.normalization(), total, sums, squares), total);
        log.info("training on {} rows in {} partitions {}", total, partitions, Arrays.toString(partitionRows));

        return outcome(trainReplicas(rows, fitted, partitionRows, columns), partitions);
    }

    /**
     * The barrier stage of the replicas, run up to {@link #STAGE_ATTEMPTS} times when it fails in a way another run
     * may not (an executor lost, a ring connection broken): Spark does not retry a failed barrier result stage
     * itself. A later attempt starts from the initial weights and the same plan; one that fails every attempt
     * returns no model.
     */
    private static List<ReplicaResult> trainReplicas(JavaRDD<Tuple2<Row, Long>> rows, TrainingPlan plan,
                                                     long[] partitionRows, Columns columns) {
        for (int attempt = 1; ; attempt++) {
            try {
                return BarrierStage.map(rows, partition -> ReplicaTraining.run(partition, plan, partitionRows, columns),
                        ReplicaResult.class).collect();
            } catch (Exception e) {   // Scala throws SparkException without declaring it
                RuntimeException failure = TaskFailures.unwrap(e);
                if (attempt >= STAGE_ATTEMPTS || !TaskFailures.retriable(failure)) {
                    throw failure;
                }
                log.warn("the replicas' barrier stage failed (attempt {} of {}): {}; training again from the start",
                        attempt, STAGE_ATTEMPTS, failure.getMessage());
            }
        }
    }

    private static TrainingOutcome outcome(List<ReplicaResult> results, int partitions) {
        if (results.size() != partitions) {
            throw new IllegalStateException("distributed training: " + results.size() + " of " + partitions
                    + " replicas reported back");
        }
        ReplicaResult first = results.stream().filter(r -> r.rank() == 0).findFirst()
                .orElseThrow(() -> new IllegalStateException("distributed training: replica 0 did not report back"));
        for (ReplicaResult r : results) {
            if (r.weightsChecksum() != first.weightsChecksum()) {
                throw new IllegalStateException("distributed training: replica " + r.rank() + " finished with weights"
                        + " different from replica 0's (checksums " + Long.toHexString(r.weightsChecksum()) + " and "
                        + Long.toHexString(first.weightsChecksum()) + "); the replicas diverged, no model is returned");
            }
        }
        return new TrainingOutcome(first.modelFile(), first.epochLosses(), first.epochSeconds(), partitions,
                first.allReduceBytesPerStep(), first.allReduceSecondsPerEpoch());
    }

    private static void requireColumns(Dataset<Row> data, Columns columns) {
        List<String> names = Arrays.asList(data.columns());
        for (String column : List.of(columns.features(), columns.label())) {
            if (!names.contains(column)) {
                throw new IllegalArgumentException("the input has no column '" + column + "'; its columns are " + names);
            }
        }
    }
}

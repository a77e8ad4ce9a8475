package dev.gatun.spark.train;

import dev.gatun.data.FeatureSums;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.spark.BarrierStage;
import dev.gatun.spark.ModelBytes;
import dev.gatun.train.ClusterTraining;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The driver's side of a distributed run. One ordinary pass checks every row, sums the normalisation statistics
 * and hashes every row's content; the rows are ranked by hash into their global ids on the executors, where the
 * hashes stay ({@link RowRanking}: a row's id, and hence every global batch, depends neither on the number of
 * partitions nor on the order in which a partition delivers its rows). The rows are spread over P partitions (by
 * hash range, when the input has another number of partitions, a lineage Spark cannot run as one barrier stage, or
 * an empty partition), then the P replicas run as one barrier stage, each given its partition's rows and ids, and
 * the driver checks that they finished with the same weights. The driver plans, collects and keeps replica 0's
 * report of each epoch; neither gradients nor rows nor their hashes pass through it.
 *
 * <p>Spark does not retry a failed barrier result stage, so the driver does: when an attempt fails in a way
 * another may not (an executor lost, a ring connection broken), the next one starts from the state after the last
 * epoch replica 0 reported, up to {@value #ATTEMPTS_SETTING} attempts ({@value #DEFAULT_ATTEMPTS} unless set).
 * The replicas then train exactly as they would have without the failure, so the model equals an undisturbed
 * run's; when the attempts run out the fit fails and returns no model.
 */
public final class DistributedTrainer {
    private static final Logger log = LoggerFactory.getLogger(DistributedTrainer.class);
    /** The Spark setting that bounds the barrier stage's attempts in one fit. */
    public static final String ATTEMPTS_SETTING = "spark.gatun.fit.attempts";
    public static final int DEFAULT_ATTEMPTS = 3;

    private DistributedTrainer() {}

    /** {@link #fit(Dataset, Columns, TrainingPlan, int, ClusterTraining.Progress)} without listening to the epochs. */
    public static TrainingOutcome fit(Dataset<Row> data, Columns columns, TrainingPlan plan, int partitions) {
        return fit(data, columns, plan, partitions, epoch -> {});
    }

    /**
     * Trains on {@code data}'s feature-vector and label columns over {@code partitions} replicas.
     *
     * @param plan the model, optimizer, epochs, batch and seed; its normalisation mode is fitted here on the data
     *             (a resumed run keeps its checkpoint's)
     * @param progress hears of each epoch, once and in order, as the replicas finish it
     * @throws IllegalArgumentException for a missing column, a bad row (naming its position in the input), a
     *         partition left without rows by the hash ranges (fewer rows than partitions), more partitions than
     *         the cluster can run at once, a bad attempts setting, or a checkpoint normalised another way
     * @throws IllegalStateException when the replicas' stage failed on every attempt, the listener failed, or the
     *         training diverged (an epoch's loss was not finite: the replicas stop at the step that diverged)
     */
    public static TrainingOutcome fit(Dataset<Row> data, Columns columns, TrainingPlan plan, int partitions,
                                      ClusterTraining.Progress progress) {
        return fit(data, columns, plan, partitions, progress, ClusterTraining.Start.FRESH);
    }

    /**
     * {@link #fit(Dataset, Columns, TrainingPlan, int, ClusterTraining.Progress)} from {@code start}: after the
     * epochs of a checkpoint (a model file with the optimizer's state, such as an epoch's
     * {@link ClusterTraining.Epoch#modelFile()}), on to the plan's epochs. The replicas then train exactly as the
     * run that wrote the checkpoint would have trained on, given the same data, partitions and plan; the outcome
     * holds the epochs after the start.
     *
     * @throws IllegalArgumentException also when the checkpoint does not hold the plan's model and optimizer
     */
    public static TrainingOutcome fit(Dataset<Row> data, Columns columns, TrainingPlan plan, int partitions,
                                      ClusterTraining.Progress progress, ClusterTraining.Start start) {
        TrainingState initial = start.checkpoint() == null ? TrainingState.INITIAL
                : new TrainingState(start.epochs(), start.checkpoint());
        Normalization resumed = checkpointNormalization(initial, plan);
        requireColumns(data, columns);
        int attempts = attempts(data.sparkSession());
        BarrierSlots.requireNoDynamicAllocation(data.sparkSession().sparkContext().getConf());
        int slots = BarrierSlots.available(data.sparkSession().sparkContext());
        if (slots == 0) {
            throw new IllegalArgumentException("this Spark application has no task slots: no executor has registered"
                    + " (or spark.task.cpus exceeds every executor's cores); a barrier stage needs one slot per partition");
        }
        if (partitions < 1 || partitions > slots) {
            throw new IllegalArgumentException(partitions + " partitions: a barrier stage runs all its tasks at once,"
                    + " and this Spark application has " + slots + " task slots; use 1 to " + slots);
        }
        int inputs = plan.modelSpec().inputs();
        LabelRule labels = LabelRule.of(plan);
        JavaRDD<Row> input = data.select(columns.features(), columns.label()).toJavaRDD();

        try (CheckedInput checked = CheckedInput.of(input, inputs, labels, columns, partitions)) {
            FeatureSums sums = FeatureSums.of(0, null, new double[inputs], new double[inputs]);
            long total = 0;
            for (PartitionSummary summary : checked.summaries) {
                total += summary.rows();
                sums = sums.plus(summary.sums().featureSums());
            }
            for (int p = 0; p < partitions; p++) {
                if (checked.rows.get(p) == 0) {
                    throw new IllegalArgumentException("partition " + p + " of " + partitions
                            + " holds no rows: every replica needs data (the input has fewer rows than partitions,"
                            + " or is skewed); use fewer partitions");
                }
            }
            // A resumed run keeps the input scaling its weights were trained under; fitted again, a change in the data
            // would rescale the inputs of the epochs to come under the same weights, without a word.
            TrainingPlan fitted = plan.withData(resumed != null ? resumed
                    : Normalization.fromSums(plan.normalization(), sums), total);
            log.info("training on {} rows in {} partitions {}", total, partitions, checked.rows);
            JavaRDD<Row> rows = checked.byHashRange ? HashRangePartitioner.repartition(input, partitions, labels) : input;
            JavaRDD<ReplicaInput> replicaInputs = rows.zipPartitions(checked.ids,
                    (partitionRows, ids) -> List.of(new ReplicaInput(ids.next(), partitionRows)).iterator());
            try (EpochReports reports = new EpochReports(data.sparkSession().sparkContext().getConf(), plan.epochs(),
                    progress, initial)) {
                List<Integer> starts = new ArrayList<>();
                List<ReplicaResult> results = trainReplicas(replicaInputs, fitted, columns, reports, attempts, starts);
                return outcome(results, reports.finish(), partitions, starts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("distributed training: the driver cannot listen for epoch reports: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("distributed training interrupted", e);
        }
    }

    /**
     * What each replica task runs, as Spark serialises it into every task: the plan and the state to start from; the
     * rows and their ids come in the task's partition.
     */
    static BarrierStage.PartitionFunction<ReplicaInput, ReplicaResult> replicaTask(TrainingPlan plan, Columns columns,
            TrainingState start, int lastEpoch, EpochReports.Address address) {
        return partition -> {
            ReplicaInput input = partition.next();
            return ReplicaTraining.run(input.rows(), input.ids(), plan, columns, start, lastEpoch, address);
        };
    }

    /** The replicas this application can run at once: the default partition count of a fit. */
    public static int taskSlots(SparkSession spark) {
        return BarrierSlots.available(spark.sparkContext());
    }

    private static int attempts(SparkSession spark) {
        String value = spark.conf().get(ATTEMPTS_SETTING, Integer.toString(DEFAULT_ATTEMPTS));
        try {
            int attempts = Integer.parseInt(value.trim());
            if (attempts >= 1) {
                return attempts;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(ATTEMPTS_SETTING + " = '" + value + "': expected a whole number >= 1");
    }

    /**
     * The barrier stage of the replicas, run again after a failure another attempt may not meet (Spark does not
     * retry a failed barrier result stage itself), each attempt from the state after the last epoch reported.
     * Bad input and a missing BLAS library fail the same way every time and are not retried; nor is a run the driver
     * had already failed (a diverged epoch, a failed listener), which fails with that reason.
     */
    private static List<ReplicaResult> trainReplicas(JavaRDD<ReplicaInput> inputs, TrainingPlan plan,
                                                     Columns columns, EpochReports reports, int attempts,
                                                     List<Integer> starts) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            TrainingState start = reports.startAttempt(attempt);
            starts.add(start.epochs());
            EpochReports.Address address = reports.address();
            // After the listener stopped the run, an attempt only ends it there (it trains no epoch when the stop
            // epoch's state is the start).
            int lastEpoch = reports.lastEpoch();
            if (attempt > 1) {
                log.warn("training again from epoch {} of {} (attempt {} of {})", start.epochs() + 1, plan.epochs(),
                        attempt, attempts);
            }
            try {
                return BarrierStage.map(inputs, replicaTask(plan, columns, start, lastEpoch, address),
                        ReplicaResult.class).collect();
            } catch (Exception e) {   // Scala throws SparkException without declaring it
                RuntimeException failure = TaskFailures.unwrap(e);
                RuntimeException ended = reports.endedBefore(failure);
                if (ended != null) {
                    throw ended;   // another attempt would train no epoch: the run had already failed
                }
                if (!TaskFailures.retriable(failure)) {
                    throw failure;
                }
                if (attempt >= attempts) {
                    throw new IllegalStateException("Gatun training on Spark failed: the replicas' barrier stage"
                            + " failed " + attempts + (attempts == 1 ? " time" : " times") + " (" + ATTEMPTS_SETTING
                            + " = " + attempts + "), the last time from epoch " + (start.epochs() + 1) + " of "
                            + plan.epochs() + "; no model is returned. The last failure: " + failure.getMessage(),
                            failure);
                }
                log.warn("the replicas' barrier stage failed (attempt {} of {}): {}", attempt, attempts,
                        failure.getMessage());
            }
        }
    }

    private static TrainingOutcome outcome(List<ReplicaResult> results, EpochReport[] epochs, int partitions,
                                           List<Integer> starts) {
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
        // Per epoch from replica 0's reports: after a failed attempt, the epochs before the last one's start were
        // trained by an earlier attempt.
        return new TrainingOutcome(first.modelFile(), Arrays.stream(epochs).mapToDouble(EpochReport::loss).toArray(),
                Arrays.stream(epochs).mapToDouble(EpochReport::seconds).toArray(), partitions,
                first.allReduceBytesPerStep(), Arrays.stream(epochs).mapToDouble(EpochReport::allReduceSeconds).toArray(),
                starts.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The start's checkpoint, read here once before any task runs: it must hold the plan's model (and its optimizer's
     * state, which {@link TrainingState#model} restores); returns the normalisation it was trained with, or null for a
     * fresh start.
     */
    private static Normalization checkpointNormalization(TrainingState start, TrainingPlan plan) {
        if (start.epochs() >= plan.epochs()) {
            throw new IllegalArgumentException("the checkpoint has " + start.epochs() + " epochs already; the plan has "
                    + plan.epochs() + " in all");
        }
        if (start.checkpoint() == null) {
            return null;
        }
        try (Arena arena = Arena.ofConfined(); Optimizer optimizer = plan.optimizer().create();
             Model model = start.model(plan, arena, optimizer)) {
            if (!model.spec().equals(plan.modelSpec())) {
                throw new IllegalArgumentException("the checkpoint holds the model " + model.spec().toMap()
                        + ", not the plan's " + plan.modelSpec().toMap());
            }
        }
        Normalization normalization = ModelBytes.read(start.checkpoint(), "reading the checkpoint's normalisation",
                file -> {
                    try (Arena arena = Arena.ofConfined()) {
                        ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
                        try (Model ignored = loaded.model()) {
                            return loaded.normalization();
                        }
                    }
                });
        if (normalization.mode() != plan.normalization()) {
            throw new IllegalArgumentException("the checkpoint's inputs were normalised " + normalization.mode()
                    + ", the plan asks for " + plan.normalization());
        }
        return normalization;
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

package dev.gatun.spark.train;

import dev.gatun.blas.Blas;
import dev.gatun.blas.BlasUnavailableException;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.nn.Workspace;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import dev.gatun.spark.ModelBytes;
import dev.gatun.spark.allreduce.RingAllReduce;
import dev.gatun.spark.allreduce.RingLinks;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One replica: the body of one task of the barrier stage. It converts its partition once, joins the ring, then
 * every step computes the gradients of its rows of the global batch, sums them with the others and applies the
 * optimizer step every replica applies.
 *
 * <p>Its rows of a batch run through the model in one pass, in a workspace sized for the largest share (the
 * share's size changes from step to step; the workspace serves every size from one block), so that batch norm can
 * sum its statistics over the whole global batch once per layer and step ({@link ReplicaBatch}).
 */
final class ReplicaTraining {
    /**
     * Trains from {@code start} to epoch {@code lastEpoch} (the plan's last, or the one a run stopped early after);
     * replica 0 reports each epoch with the state after it to {@code reports}, so that a failed attempt can start
     * again from there, and hears back whether to train on: when the driver stops the run (early stopping), the
     * replicas agree on it through the ring before the next epoch and end together.
     */
    static Iterator<ReplicaResult> run(Iterator<Row> rows, PartitionIds ids, TrainingPlan plan, Columns columns,
                                       TrainingState start, int lastEpoch, EpochReports.Address reports)
            throws IOException {
        BarrierTaskContext context = BarrierTaskContext.get();
        int rank = context.partitionId();
        String host = hostOf(context.getTaskInfos()[rank].address());
        // Listening before the addresses are exchanged: a successor's connection then waits in the backlog.
        RingLinks.Listener listener = RingLinks.listen(host);
        boolean blasThreadsSet = false;
        try (Arena arena = Arena.ofConfined(); EpochReporter reporter = new EpochReporter(reports, plan.timeoutMillis(),
                BETWEEN_EPOCHS_MILLIS, context::isInterrupted)) {
            requireBlas(host, rank);
            ReplicaBlasThreads.enter(context.cpus());
            blasThreadsSet = true;
            Normalization normalization = plan.normalizationOf();
            int inputs = plan.modelSpec().inputs();
            PartitionData data = PartitionData.load(rows, ids, inputs, LabelRule.of(plan), normalization,
                    columns, arena, rank);
            String[] addresses = context.allGather(listener.address());
            RingLinks links = RingLinks.connect(rank, addresses, listener, plan.timeoutMillis(), context::isInterrupted);
            // links first: a model or buffer that fails to build still closes the connections, so the neighbours see
            // the end of the stream at once rather than wait out their timeout (the ring closes them again: harmless).
            try (links; Optimizer optimizer = plan.optimizer().create(); Model model = start.model(plan, arena, optimizer)) {
                GradientBuffer buffer = new GradientBuffer(model.parameters(), arena);
                try (RingAllReduce ring = new RingAllReduce(buffer.segment(), links, plan.timeoutMillis(),
                        context::isInterrupted)) {
                    ReplicaTraining replica = new ReplicaTraining(plan, data, model, buffer, ring, arena);
                    // This attempt's epochs only; the driver has the earlier ones' reports.
                    double[] losses = new double[plan.epochs()];
                    double[] seconds = new double[plan.epochs()];
                    double[] allReduceSeconds = new double[plan.epochs()];
                    boolean diverged = false;
                    for (int epoch = start.epochs(); epoch < lastEpoch; epoch++) {
                        long before = replica.allReduceNanos;
                        long begin = System.nanoTime();
                        losses[epoch] = replica.epoch(epoch, optimizer);
                        seconds[epoch] = (System.nanoTime() - begin) / 1e9;
                        allReduceSeconds[epoch] = (replica.allReduceNanos - before) / 1e9;
                        // The driver fails a diverged run on this report; no model file holds its weights.
                        diverged = !Double.isFinite(losses[epoch]);
                        boolean trainOn = true;
                        if (rank == 0) {
                            trainOn = reporter.send(epoch + 1, losses[epoch], seconds[epoch], allReduceSeconds[epoch],
                                    optimizer.learningRate(), diverged ? EpochReport.NO_STATE
                                            : modelFile(model, normalization, plan, optimizer));
                        }
                        if (epoch + 1 < lastEpoch && !replica.allTrainOn(trainOn)) {
                            break;
                        }
                    }
                    byte[] file = rank == 0 && !diverged ? modelFile(model, normalization, plan, null) : null;
                    return List.of(new ReplicaResult(rank, checksum(model.parameters()), losses, seconds,
                            ring.bytesSentPerCall() + replica.statisticsBytesPerStep,
                            allReduceSeconds, file)).iterator();
                }
            }
        } finally {
            if (blasThreadsSet) {
                ReplicaBlasThreads.exit();
            }
            listener.close();
        }
    }

    private final PartitionData data;
    private final Model model;
    private final GradientBuffer buffer;
    private final RingAllReduce ring;
    private final EpochOrder order;
    private final LearningRateSchedule schedule;
    private final ReplicaBatch shared;
    private final Workspace workspace;
    /** This replica's rows of the current batch, room for the largest share, and their labels (class or target). */
    private final Tensor shareRows;
    private final MemorySegment shareLabels;
    /** Views of the first m rows and labels, index m, made the first time a share of m rows comes. */
    private final Tensor[] rowViews;
    private final Targets[] labelViews;
    private final LabelRule labels;
    private long allReduceNanos;
    private long statisticsBytesPerStep;
    /**
     * The rows the weight penalty is scaled by on every step: the batch size, also for an epoch's short last batch,
     * as single-process training does (Model.computeGradients says why).
     */
    private final long penaltyRows;

    private ReplicaTraining(TrainingPlan plan, PartitionData data, Model model, GradientBuffer buffer,
                            RingAllReduce ring, Arena arena) {
        this.data = data;
        this.model = model;
        this.buffer = buffer;
        this.ring = ring;
        this.order = new EpochOrder(plan.shuffleSeed(), plan.totalRows(), plan.batchSize(), plan.stepsPerEpoch(), data);
        this.penaltyRows = Math.min(plan.batchSize(), plan.totalRows());
        this.schedule = plan.schedule();
        this.shared = new ReplicaBatch(data, order, buffer.segment(), ring);
        int maxShare = Math.min(plan.batchSize(), data.rows());
        this.workspace = model.newWorkspace(maxShare);
        this.shareRows = Tensor.allocate(arena, DType.F32, maxShare, data.inputs());
        this.shareLabels = arena.allocate(ValueLayout.JAVA_INT, maxShare);
        this.rowViews = new Tensor[maxShare + 1];
        this.labelViews = new Targets[maxShare + 1];
        this.labels = LabelRule.of(plan);
    }

    /**
     * How long the replicas wait between epochs for replica 0, which waits for the driver's answer: the driver
     * evaluates the epoch and writes its checkpoint first, minutes on a large data set. The kill flag is polled
     * throughout, and a driver or replica that dies closes its connections, so only a hung listener waits this long.
     */
    static final long BETWEEN_EPOCHS_MILLIS = 3_600_000;

    /**
     * One epoch; returns its training loss (the same on every replica): the mean of its steps' costs weighted by
     * their rows, as single-process training reports it, so that a shorter last batch counts for its rows. A step
     * whose cost is not finite, or whose update left a weight that is not, ends the epoch there with a loss that is
     * not finite: the run has diverged, and the driver fails it on this epoch's report. Every replica decides alike
     * and stops at the same step: the data term of the cost is summed through the ring (the same bits on each), and
     * the penalty and the update come from weights that are the same on each; the rest of the epoch would only have
     * trained on NaN weights.
     */
    private double epoch(int epoch, Optimizer optimizer) throws IOException {
        order.shuffle(epoch);
        double costs = 0;
        long rows = 0;
        for (int k = 0; k < order.steps(); k++) {
            int batchRows = order.globalBatchRows(k);
            double cost = step(k, optimizer);
            costs += cost * batchRows;
            rows += batchRows;
            if (!Double.isFinite(cost)) {
                break;
            }
        }
        return costs / rows;
    }

    /**
     * Whether every replica trains on: one float summed over the ring between epochs (replica 0 contributes 1 when
     * the driver said stop), so that all end after the same epoch. The gradient buffer is free between steps.
     */
    private boolean allTrainOn(boolean trainOn) throws IOException {
        buffer.zero();
        buffer.segment().set(ValueLayout.JAVA_FLOAT, 0, trainOn ? 0f : 1f);
        long startNanos = System.nanoTime();
        ring.sumInPlace(1, BETWEEN_EPOCHS_MILLIS);   // replica 0 joins after the driver's answer
        allReduceNanos += System.nanoTime() - startNanos;
        return buffer.segment().get(ValueLayout.JAVA_FLOAT, 0) == 0f;
    }

    private double step(int k, Optimizer optimizer) throws IOException {
        int batchRows = order.globalBatchRows(k);
        List<Parameter> parameters = model.parameters();
        int start = order.shareStart(k);
        int rows = order.shareEnd(k) - start;
        for (int j = 0; j < rows; j++) {
            data.copyRow(order.row(start + j), shareRows, j, shareLabels);
        }
        shared.startBatch(k);
        double lossSum;
        try {
            lossSum = rows == 0 ? model.computeDataGradients(null, null, shared, workspace)
                    : model.computeDataGradients(rowsView(rows), labelsView(rows), shared, workspace);
        } catch (UncheckedIOException e) {   // batch norm's sums through the ring
            throw e.getCause();
        }
        allReduceNanos += shared.nanos();
        statisticsBytesPerStep = shared.bytes();
        // The gradients and the loss fill the whole buffer: no zeroing pass first.
        buffer.copyFrom(parameters);
        buffer.setLoss(lossSum);
        long startNanos = System.nanoTime();
        ring.sumInPlace();
        allReduceNanos += System.nanoTime() - startNanos;
        buffer.copyTo(parameters);
        double cost = buffer.loss() / batchRows + model.finishStep(penaltyRows);
        // Epochs and steps counted from 1 over the whole run, as single-process training counts them.
        long step = optimizer.stepCount() + 1;
        optimizer.setLearningRate(schedule.rate((step - 1) / order.steps() + 1, step));
        // One process stops when the update leaves a weight that is not finite; so do the replicas, by the cost.
        return optimizer.step(parameters) >= 0 ? Double.NaN : cost;
    }

    private Tensor rowsView(int rows) {
        if (rowViews[rows] == null) {
            rowViews[rows] = shareRows.rowSlice(0, rows);
        }
        return rowViews[rows];
    }

    /** Class indices, or a regression's targets as a (rows, 1) float32 tensor over the same bytes. */
    private Targets labelsView(int rows) {
        if (labelViews[rows] == null) {
            MemorySegment first = shareLabels.asSlice(0, rows * ValueLayout.JAVA_INT.byteSize());
            labelViews[rows] = labels.regression() ? new Targets.Dense(Tensor.wrap(first, DType.F32, rows, 1))
                    : new Targets.Labels(first);
        }
        return labelViews[rows];
    }

    /**
     * The model as a Gatun model file's bytes; with {@code optimizer}'s state too (a checkpoint) unless it is null.
     */
    private static byte[] modelFile(Model model, Normalization normalization, TrainingPlan plan, Optimizer optimizer)
            throws IOException {
        Map<String, String> metadata = Map.of("trained_on", "spark", "config.epochs",
                Integer.toString(plan.epochs()), "config.batch", Integer.toString(plan.batchSize()));
        return ModelBytes.write(file -> {
            if (optimizer == null) {
                ModelIo.save(file, model, normalization, metadata);
            } else {
                ModelIo.save(file, model, normalization, metadata, optimizer);
            }
        });
    }

    /** CRC32 of every parameter's bytes: equal on every replica unless they diverged. */
    private static long checksum(List<Parameter> parameters) {
        CRC32 crc = new CRC32();
        for (Parameter p : parameters) {
            crc.update(p.value().segment().asByteBuffer());
        }
        return crc.getValue();
    }

    private static void requireBlas(String host, int rank) {
        try {
            Blas.requireAvailable();
        } catch (BlasUnavailableException e) {
            throw new BlasUnavailableException("replica " + rank + " on host " + host + ": " + e.getMessage(), e);
        }
    }

    /** The host of a task's {@code host:port} address. */
    private static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }
}

package dev.gatun.spark.bench;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Parameter;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Parameter averaging, the data parallelism of MLlib's and DL4J's averaging trainers: P replicas of one model, each
 * with its own optimizer and its own shard of the data, train on their own mini-batches; every so often
 * {@link #average} replaces every replica's parameters (and, if asked, its optimizer's moments, as DL4J averages
 * its updater state) with their mean over the replicas. Between averages the replicas drift apart, so the result
 * depends on P and on how often they average — what synchronous data parallelism avoids by summing gradients every
 * step.
 *
 * <p>The replicas run one after the other on the calling thread: where they would run changes the time, not the
 * numbers. Owns its models, optimizers, batch loaders and the arena behind the models.
 */
final class AveragedReplicas implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final List<Model> models = new ArrayList<>();
    private final List<Optimizer> optimizers = new ArrayList<>();
    private final List<Batches> loaders = new ArrayList<>();
    private final int stepsPerEpoch;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long computeNanos;
    private long computeCpuNanos;
    private long averageNanos;
    /** Each parameter, and each of the optimizers' state tensors, of every replica: made at the first average. */
    private MemorySegment[][] parameterGroups;
    private MemorySegment[][] momentGroups;

    /**
     * P = {@code shards.size()} replicas built from {@code spec} (so with the same initial parameters), replica r
     * drawing batches of {@code localBatch} rows from {@code shards.get(r)} in a shuffled order seeded by
     * {@code seed + r}. Every shard must give the same number of batches per epoch, so that the replicas step together.
     */
    AveragedReplicas(ModelSpec spec, List<DataSet> shards, int localBatch, Normalization normalization, long seed,
                     Supplier<Optimizer> optimizer) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("parameter averaging needs at least one replica's shard");
        }
        try {
            for (DataSet shard : shards) {
                models.add(Model.build(spec, DType.F32, arena));
                optimizers.add(optimizer.get());
                loaders.add(Batches.over(shard, localBatch).seed(seed + loaders.size()).normalization(normalization).build());
            }
            stepsPerEpoch = loaders.getFirst().batchesPerEpoch();
            for (int r = 1; r < loaders.size(); r++) {
                if (loaders.get(r).batchesPerEpoch() != stepsPerEpoch) {
                    throw new IllegalArgumentException("replica " + r + "'s shard " + shards.get(r).name() + " gives "
                            + loaders.get(r).batchesPerEpoch() + " batches of " + localBatch + " per epoch, replica 0's "
                            + stepsPerEpoch + ": the replicas could not step together");
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * {@code count} disjoint shards of {@code data} of equal size (up to one row), drawn at random by {@code seed}: how
     * Spark's partitions of a shuffled DataFrame would hand the rows to the replicas.
     */
    static List<DataSet> shards(DataSet data, int count, long seed) {
        if (count < 1 || count > data.size()) {
            throw new IllegalArgumentException("cannot cut " + data.name() + " (" + data.size() + " rows) into " + count
                    + " shards");
        }
        List<DataSet> shards = new ArrayList<>();
        DataSet rest = data;
        for (int r = 0; r < count - 1; r++) {
            DataSet.Split split = rest.split(rest.size() / (count - r), seed + r);
            shards.add(split.dev());
            rest = split.train();
        }
        shards.add(rest);
        return shards;
    }

    int replicas() {
        return models.size();
    }

    int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    Model model(int replica) {
        return models.get(replica);
    }

    Optimizer optimizer(int replica) {
        return optimizers.get(replica);
    }

    /** Nanoseconds spent in {@link #step}, summed over the replicas (each replica's share is this / P when they run in parallel). */
    long computeNanos() {
        return computeNanos;
    }

    /**
     * As {@link #computeNanos}, in this thread's CPU time: what the steps cost without the time other processes
     * took the core away, on a machine that is not idle.
     */
    long computeCpuNanos() {
        return computeCpuNanos;
    }

    /** Nanoseconds spent computing means in {@link #average} on this one thread (a cluster would all-reduce instead). */
    long averageNanos() {
        return averageNanos;
    }

    /**
     * One local step of every replica: the gradient of its next batch, then its own optimizer's step. Returns the
     * replicas' costs weighted by their batches' rows, summed, and adds those rows to {@code rows[0]}.
     */
    double step(long[] rows) {
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        double weighted = 0;
        for (int r = 0; r < models.size(); r++) {
            Model model = models.get(r);
            Batch batch = loaders.get(r).next();
            double cost = model.computeGradients(batch.X(), batch.targetsFor(model));
            int nonFinite = optimizers.get(r).step(model.parameters());
            if (!Double.isFinite(cost) || nonFinite >= 0) {
                throw new IllegalStateException("replica " + r + " diverged: cost " + cost + ", first non-finite parameter "
                        + (nonFinite >= 0 ? model.parameters().get(nonFinite).name() : "none"));
            }
            weighted += cost * batch.size();
            rows[0] += batch.size();
        }
        computeNanos += System.nanoTime() - start;
        computeCpuNanos += threads.getCurrentThreadCpuTime() - cpuStart;
        return weighted;
    }

    /**
     * Sets every replica's parameters to their mean over the replicas, and with {@code moments} its optimizer's state
     * (Adam's v and s) too. The mean is taken in double and rounded once to float, so one replica is left as it was.
     */
    void average(boolean moments) {
        long start = System.nanoTime();
        if (parameterGroups == null) {
            parameterGroups = groups(models.stream().map(m -> m.parameters().stream().map(Parameter::value).toList())
                    .toList());
        }
        averageGroups(parameterGroups);
        if (moments) {
            // The optimizers' state exists from their first step on; before it there is nothing to average.
            if (momentGroups == null && !optimizers.getFirst().state().isEmpty()) {
                momentGroups = groups(optimizers.stream().map(Optimizer::state).toList());
            }
            if (momentGroups != null) {
                averageGroups(momentGroups);
            }
        }
        averageNanos += System.nanoTime() - start;
    }

    /**
     * The same tensor of every replica, tensor by tensor: {@code groups[i][r]} is replica r's tensor i. Checked once
     * here (float32, one size per group), so that averaging walks plain segments.
     */
    private static MemorySegment[][] groups(List<List<Tensor>> byReplica) {
        int count = byReplica.getFirst().size();
        MemorySegment[][] groups = new MemorySegment[count][byReplica.size()];
        for (int i = 0; i < count; i++) {
            Tensor first = byReplica.getFirst().get(i);
            for (int r = 0; r < byReplica.size(); r++) {
                Tensor t = byReplica.get(r).get(i);
                if (t.dtype() != DType.F32 || t.size() != first.size()) {
                    throw new IllegalArgumentException("averaging replica " + r + "'s tensor " + i + " (" + t.dtype()
                            + " " + t.shapeString() + ") with replica 0's (" + first.dtype() + " "
                            + first.shapeString() + ")");
                }
                groups[i][r] = t.segment().asSlice(0, t.size() * Float.BYTES);
            }
        }
        return groups;
    }

    /** Writes the element-wise mean of each group's float32 segments into each of them. */
    private static void averageGroups(MemorySegment[][] groups) {
        for (MemorySegment[] segments : groups) {
            long size = segments[0].byteSize() / Float.BYTES;
            for (long j = 0; j < size; j++) {
                double sum = 0;
                for (MemorySegment s : segments) {
                    sum += s.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                }
                float mean = (float) (sum / segments.length);
                for (MemorySegment s : segments) {
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, j, mean);
                }
            }
        }
    }

    @Override
    public void close() {
        loaders.forEach(Batches::close);
        models.forEach(Model::close);
        optimizers.forEach(Optimizer::close);
        arena.close();
    }
}

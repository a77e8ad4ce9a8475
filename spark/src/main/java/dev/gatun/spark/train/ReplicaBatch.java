package dev.gatun.spark.train;

import dev.gatun.nn.SharedBatch;
import dev.gatun.spark.allreduce.RingAllReduce;
import dev.gatun.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * This replica's side of one global batch, as the model's pass sees it: the batch's row count, the global ids of
 * this replica's rows of it (dropout keys its masks by them), and batch norm's per-feature sums, summed over the
 * replicas by the ring. Those sums travel through the start of the gradient buffer, free during the pass (the
 * gradients are gathered into it afterwards), so they need no buffer or connection of their own. Reused from step
 * to step; nothing is allocated per step.
 */
final class ReplicaBatch implements SharedBatch {
    private final PartitionData data;
    private final EpochOrder order;
    private final MemorySegment exchange;
    private final RingAllReduce ring;
    private long rows;
    private int shareStart;
    private long nanos;
    private long bytes;

    ReplicaBatch(PartitionData data, EpochOrder order, MemorySegment exchange, RingAllReduce ring) {
        this.data = data;
        this.order = order;
        this.exchange = exchange;
        this.ring = ring;
    }

    /** Makes this global batch {@code k} of the epoch's order. */
    void startBatch(int k) {
        rows = order.globalBatchRows(k);
        shareStart = order.shareStart(k);
        nanos = 0;
        bytes = 0;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long rowId(int i) {
        return data.id(order.row(shareStart + i));
    }

    @Override
    public void sumOverReplicas(Tensor values) {
        long start = System.nanoTime();
        long size = values.byteSize();
        if (size > exchange.byteSize()) {
            throw new IllegalStateException("batch norm sums " + size + " bytes, more than the gradient buffer's "
                    + exchange.byteSize());
        }
        MemorySegment.copy(values.segment(), 0, exchange, 0, size);
        try {
            ring.sumInPlace((int) values.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MemorySegment.copy(exchange, 0, values.segment(), 0, size);
        bytes += ring.bytesSentPerCall();
        nanos += System.nanoTime() - start;
    }

    /** Nanoseconds this batch's sums spent in the ring so far. */
    long nanos() {
        return nanos;
    }

    /** Bytes this batch's sums sent so far. */
    long bytes() {
        return bytes;
    }
}

package dev.gatun.spark.train;

import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One Spark broadcast per partition, for what each task needs of a whole held on the driver. Spark serialises a
 * stage's function with its RDD into the task binary, which every executor fetches and every task deserialises, and
 * a parallelized collection's slices travel inside their tasks: either way each task carried its share or all of it.
 * Through these the function carries handles (a few bytes), and an executor fetches, once, and keeps only what the
 * partitions it runs need. Used for a data set's rows ({@link DataSetFrame}, left to Spark's context cleaner).
 */
final class PartitionBroadcasts<T> implements Serializable, AutoCloseable {
    private final List<Broadcast<T>> partitions;
    /** Driver side only: set by the first close. */
    private transient boolean closed;

    private PartitionBroadcasts(List<Broadcast<T>> partitions) {
        this.partitions = partitions;
    }

    /** Broadcasts each partition's share from the driver, share {@code p} for partition {@code p}. */
    static <T> PartitionBroadcasts<T> of(SparkContext spark, List<T> shares, Class<T> type) {
        List<Broadcast<T>> partitions = new ArrayList<>();
        try {
            for (T share : shares) {
                partitions.add(spark.broadcast(share, ClassTag$.MODULE$.apply(type)));
            }
        } catch (RuntimeException | Error e) {
            new PartitionBroadcasts<>(partitions).close();
            throw e;
        }
        return new PartitionBroadcasts<>(partitions);
    }

    /** Partition {@code partition}'s share: fetched from the driver on an executor's first read. */
    T partition(int partition) {
        return partitions.get(partition).value();
    }

    /** Destroys every broadcast, each even when another fails; idempotent (Spark refuses a second destroy). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (Broadcast<T> b : partitions) {
            try {
                b.destroy();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

package dev.gatun.spark.train;

import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RowIds} as the replica tasks receive them: one Spark broadcast per training partition. Spark serialises a
 * stage's function with its RDD into the task binary, which every executor fetches and every task deserialises:
 * with the table in the function, each task of each attempt deserialised every row's id (4 bytes a row, all
 * partitions), so an executor running k replicas held k copies of the whole table. Now the function carries handles
 * (a few bytes), and an executor fetches and keeps, once, the ids of the partitions it trains. Closed on the driver
 * when the fit ends, which frees the broadcasts' blocks everywhere.
 */
final class BroadcastRowIds implements Serializable, AutoCloseable {
    private final List<Broadcast<PartitionIds>> partitions;
    /** Driver side only: set by the first close. */
    private transient boolean closed;

    private BroadcastRowIds(List<Broadcast<PartitionIds>> partitions) {
        this.partitions = partitions;
    }

    /** Broadcasts each training partition's ids from the driver. */
    static BroadcastRowIds of(SparkContext spark, RowIds ids) {
        List<Broadcast<PartitionIds>> partitions = new ArrayList<>();
        try {
            for (int p = 0; p < ids.partitions(); p++) {
                partitions.add(spark.broadcast(ids.partition(p), ClassTag$.MODULE$.apply(PartitionIds.class)));
            }
        } catch (RuntimeException | Error e) {
            new BroadcastRowIds(partitions).close();
            throw e;
        }
        return new BroadcastRowIds(partitions);
    }

    /** Training partition {@code partition}'s ids: fetched from the driver on an executor's first read. */
    PartitionIds partition(int partition) {
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
        for (Broadcast<PartitionIds> b : partitions) {
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

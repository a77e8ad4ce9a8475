package dev.gatun.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;

/**
 * The input after the ordinary pass that checks every row, and its rows ranked ({@link RowRanking}): each input
 * partition's summary without its hashes, whether the replicas train on hash ranges or on the input's own partitions,
 * and each training partition's ids, cached on the executors until {@link #close}.
 */
final class CheckedInput implements AutoCloseable {
    final List<PartitionSummary> summaries;
    final boolean byHashRange;
    final JavaRDD<PartitionIds> ids;
    /** Each training partition's rows. */
    final List<Long> rows;

    private CheckedInput(List<PartitionSummary> summaries, boolean byHashRange, JavaRDD<PartitionIds> ids,
                         List<Long> rows) {
        this.summaries = summaries;
        this.byHashRange = byHashRange;
        this.ids = ids;
        this.rows = rows;
    }

    /**
     * Checks, sums and hashes every row of {@code input}, fails on its first bad row (named by its position in the
     * input), and ranks the rows.
     */
    static CheckedInput of(JavaRDD<Row> input, int inputs, LabelRule labels, Columns columns, int partitions) {
        JavaRDD<PartitionSummary> checked = input.mapPartitionsWithIndex(
                (index, partition) -> List.of(PartitionSummary.of(index, partition, inputs, labels, columns,
                        partitions)).iterator(), false);
        // Training on the input's own partitions ranks through the hashes, so they stay cached on the executors until
        // then; on hash ranges nothing reads them again, and they would only crowd the user's cached data.
        boolean ownPartitions = input.getNumPartitions() == partitions
                && BarrierSlots.oneNarrowChain(input.rdd(), partitions);
        if (ownPartitions) {
            checked.persist(StorageLevel.MEMORY_AND_DISK());
        }
        JavaRDD<PartitionIds> ids = null;
        try {
            List<PartitionSummary> summaries;
            try {
                summaries = new ArrayList<>(checked.map(PartitionSummary::withoutHashes).collect());
            } catch (Exception e) {   // Scala throws SparkException without declaring it
                throw TaskFailures.unwrap(e);
            }
            summaries.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            requireGoodRows(summaries);
            // An input partition without rows (a filter emptied it) would leave its replica nothing to train on: such
            // an input is spread over hash ranges like any other partitioning rather than refused.
            boolean byHashRange = !ownPartitions || summaries.stream().anyMatch(s -> s.rows() == 0);
            ids = RowRanking.ids(JavaSparkContext.fromSparkContext(input.context()), checked, summaries, partitions,
                    byHashRange).persist(StorageLevel.MEMORY_AND_DISK());
            List<Long> rows;
            try {
                rows = ids.map(p -> (long) p.rows()).collect();   // ranks the rows while their hashes are cached
            } catch (Exception e) {   // as above
                RuntimeException failure = TaskFailures.unwrap(e);
                throw failure instanceof IllegalArgumentException ? failure
                        : new IllegalStateException("ranking the rows by hash: " + failure.getMessage(), failure);
            }
            return new CheckedInput(summaries, byHashRange, ids, rows);
        } catch (RuntimeException | Error e) {
            if (ids != null) {
                ids.unpersist(false);
            }
            throw e;
        } finally {
            checked.unpersist(false);
        }
    }

    /** The first bad row of the input, if any, as an error naming its position in the input. */
    private static void requireGoodRows(List<PartitionSummary> summaries) {
        long before = 0;
        for (PartitionSummary summary : summaries) {
            if (summary.badRow() >= 0) {
                throw new IllegalArgumentException("row " + (before + summary.badRow()) + ": " + summary.badRowProblem());
            }
            before += summary.rows();
        }
    }

    /** Frees the cached ids. */
    @Override
    public void close() {
        ids.unpersist(false);
    }
}

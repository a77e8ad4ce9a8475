package dev.gatun.spark.train;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every row's global id, and what each training partition holds. A row's id is its rank among all N rows by content
 * hash ({@link RowHash}), so it follows from what the row holds: a partition that Spark recomputes after losing an
 * executor, perhaps through a shuffle that delivers its rows in another order, gives every row the id it had
 * before, and the global batches, hence the training, come out the same. (Numbering rows by their position, as
 * {@code zipWithIndex} does, gives the same ids to other rows when the order changes.)
 *
 * <p>Rows with equal hashes are identical rows (a collision of 128-bit hashes between different rows is
 * vanishingly unlikely: about N²/2¹²⁹), and identical rows are interchangeable: whichever of them gets id k and
 * whichever id k+1, every batch holds the same features and labels, so the order among them, which nothing fixes,
 * does not matter.
 *
 * <p>Each training partition's ids are listed in the hash order of its own rows, so a replica that hashes and sorts
 * the rows it reads knows each one's id; its {@link PartitionFingerprint} tells it whether it read the rows that were
 * ranked. The training partitions are the input's own when it has as many, else the P equal ranges of the hash
 * ({@link RowHash#range}), which also depend only on the rows' content.
 *
 * <p>The ranking runs where the hashes are. The driver adds up how many rows each of the P hash ranges holds (the
 * checking pass's fingerprints, a few numbers per input partition), which gives each range its first id, since the
 * ranges follow the hash order. When the training partitions are the hash ranges, that is all: a range's ids are
 * consecutive. When they are the input's own partitions, each sends its hashes in each range to that range, in one
 * block per range; the range merges the blocks ({@link RangeMerge}) and sends each partition back its rows' ids: two
 * shuffles, of 16 and 4 bytes a row. No hash passes through the driver, so its memory does not bound the rows.
 */
final class RowRanking {
    private RowRanking() {}

    /**
     * Each training partition's ids: an RDD of {@code partitions} partitions, partition t holding training partition
     * t's {@link PartitionIds} alone. Computed when an action reads it; the caller persists it.
     *
     * @param checked   the checking pass's summaries with their hashes, one per input partition: read only when
     *                  the training partitions are the input's own
     * @param summaries the same without their hashes, in input-partition order
     * @throws IllegalArgumentException for more rows than an epoch's order of int ids holds
     */
    static JavaRDD<PartitionIds> ids(JavaSparkContext spark, JavaRDD<PartitionSummary> checked,
                                     List<PartitionSummary> summaries, int partitions, boolean byHashRange) {
        long[] firstIds = firstIds(summaries, partitions);
        if (byHashRange) {
            List<PartitionIds> ids = new ArrayList<>();
            for (int t = 0; t < partitions; t++) {
                PartitionFingerprint rows = PartitionFingerprint.EMPTY;
                for (PartitionSummary s : summaries) {
                    rows = rows.plus(s.byRange()[t]);
                }
                ids.add(PartitionIds.consecutive((int) firstIds[t], rows));
            }
            return spark.parallelize(ids, partitions);
        }
        if (summaries.size() != partitions) {
            throw new IllegalArgumentException(summaries.size() + " input partitions cannot be " + partitions
                    + " training partitions of their own");
        }
        PartitionFingerprint[] own = summaries.stream().map(PartitionSummary::fingerprint)
                .toArray(PartitionFingerprint[]::new);
        // What each partition held in each range when checked: a partition Spark recomputes (a lost executor) into
        // other rows would shift the ids of every range it reaches, other partitions' rows included, so each block is
        // checked where it is ranked.
        PartitionFingerprint[][] held = summaries.stream().map(PartitionSummary::byRange)
                .toArray(PartitionFingerprint[][]::new);
        HashPartitioner byIndex = new HashPartitioner(partitions);   // an Integer key k < P goes to partition k
        return checked
                .flatMapToPair(summary -> {
                    List<Tuple2<Integer, HashBlock>> blocks = new ArrayList<>(partitions);
                    for (int range = 0; range < partitions; range++) {
                        blocks.add(new Tuple2<>(range, summary.block(range)));
                    }
                    return blocks.iterator();
                })
                .partitionBy(byIndex)
                .mapPartitionsWithIndex((range, blocks) -> {
                    List<HashBlock> fromEach = new ArrayList<>();
                    blocks.forEachRemaining(block -> fromEach.add(requireHeld(block._2(), held, range)));
                    return RangeMerge.rank(range, firstIds[range], fromEach).iterator();
                }, false)   // not keyed by partition any more: with true, the partitionBy below would be skipped
                .mapToPair(ranked -> new Tuple2<>(ranked.source(), ranked))
                .partitionBy(byIndex)
                .mapPartitionsWithIndex((partition, blocks) -> {
                    List<RankedBlock> fromEach = new ArrayList<>();
                    blocks.forEachRemaining(block -> fromEach.add(block._2()));
                    return List.of(PartitionIds.listed(inRangeOrder(fromEach), own[partition])).iterator();
                }, false);
    }

    /** Each hash range's first id: the rows of every range before it. */
    static long[] firstIds(List<PartitionSummary> summaries, int partitions) {
        long[] first = new long[partitions];
        long total = 0;
        for (int range = 0; range < partitions; range++) {
            first[range] = total;
            for (PartitionSummary s : summaries) {
                total += s.byRange()[range].rows();
            }
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("data sets of " + total + " rows are more than one epoch order holds");
        }
        return first;
    }

    /** {@code block} when its rows are the ones its partition held in {@code range} when checked. */
    private static HashBlock requireHeld(HashBlock block, PartitionFingerprint[][] held, int range) {
        long xor = 0;
        long sum = 0;
        for (int k = 0; k < block.rows(); k++) {
            xor ^= block.hi()[k];
            sum += block.lo()[k];
        }
        PartitionFingerprint now = new PartitionFingerprint(block.rows(), xor, sum);
        PartitionFingerprint then = held[block.source()][range];
        if (!now.equals(then)) {
            throw PartitionData.changed(block.source(), then + " in hash range " + range, now.toString());
        }
        return block;
    }

    /** A partition's ids from its blocks: range by range, each range's in the partition's hash order. */
    private static int[] inRangeOrder(List<RankedBlock> blocks) {
        blocks.sort(Comparator.comparingInt(RankedBlock::range));
        int[] ids = new int[blocks.stream().mapToInt(b -> b.ids().length).sum()];
        int at = 0;
        for (RankedBlock block : blocks) {
            System.arraycopy(block.ids(), 0, ids, at, block.ids().length);
            at += block.ids().length;
        }
        return ids;
    }
}

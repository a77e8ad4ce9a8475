package dev.gatun.spark.train;

import dev.gatun.data.Normalization;
import dev.gatun.spark.TestFrames;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row ids from content, ranked in local[2]: each row's id is its rank among all rows by hash, as a plain sort of every
 * hash gives it, whatever the partitioning and whatever order its partition delivers it in; and a partition whose
 * rows changed fails to load.
 */
class RowRankingTest {
    private static final int FEATURES = 4;
    private static final Columns COLUMNS = new Columns("features", "label");
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = dev.gatun.spark.TestSessions.local(2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aRowsIdFollowsFromItsContentNotFromPartitioningOrOrder() {
        List<Row> rows = new ArrayList<>(TestFrames.teacherRows(300, FEATURES, 3, 5));
        rows.add(rows.get(7));   // a duplicate: identical rows may swap ids, nothing else
        Map<String, Set<Long>> byThreeInOrder = idsByContent(split(rows, 3), 3, false);
        List<Row> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new java.util.Random(1));
        Map<String, Set<Long>> byTwoShuffled = idsByContent(split(shuffled, 2), 2, false);
        Map<String, Set<Long>> byRanges = idsByContent(split(shuffled, 5), 2, true);
        assertEquals(bySorting(rows), byThreeInOrder);
        assertEquals(byThreeInOrder, byTwoShuffled);
        assertEquals(byThreeInOrder, byRanges);
        // More input partitions than rows, many of them empty, and more hash ranges than input partitions.
        assertEquals(byThreeInOrder, idsByContent(split(shuffled, 400), 2, true));
        assertEquals(byThreeInOrder, idsByContent(split(shuffled, 2), 7, true));
        // The input's own partitions ranked through the ranges and back, one of them empty.
        List<List<Row>> withAnEmptyOne = split(shuffled, 4);
        withAnEmptyOne.add(1, new ArrayList<>());
        assertEquals(byThreeInOrder, idsByContent(withAnEmptyOne, 5, false));
        Set<Long> all = new HashSet<>();
        byThreeInOrder.values().forEach(all::addAll);
        assertEquals(rows.size(), all.size());
        assertTrue(all.stream().allMatch(id -> id >= 0 && id < rows.size()), "ids 0.." + (rows.size() - 1));
        assertEquals(2, byThreeInOrder.get(key(rows.get(7))).size(), "the duplicate rows hold two ids");
    }

    @Test
    void aPartitionWhoseRowsChangedFailsToLoad() {
        List<Row> rows = TestFrames.teacherRows(50, FEATURES, 3, 6);
        PartitionIds ids = PartitionIds.consecutive(0, summary(0, rows, 1).fingerprint());
        List<Row> changed = new ArrayList<>(rows);
        changed.set(10, RowFactory.create(Vectors.dense(1, 2, 3, 4), 0.0));
        try (Arena arena = Arena.ofConfined()) {
            String message = assertThrows(IllegalArgumentException.class, () -> PartitionData.load(changed.iterator(),
                    ids, FEATURES, new LabelRule(3), Normalization.none(FEATURES), COLUMNS, arena, 0)).getMessage();
            assertTrue(message.contains("partition 0 of the input changed"), message);
            List<Row> fewer = rows.subList(0, 49);
            message = assertThrows(IllegalArgumentException.class, () -> PartitionData.load(fewer.iterator(),
                    ids, FEATURES, new LabelRule(3), Normalization.none(FEATURES), COLUMNS, arena, 0)).getMessage();
            assertTrue(message.contains("it now holds 49 rows"), message);
        }
    }

    /**
     * A partition Spark computes again (a lost executor) into other rows would shift the ids of every range it
     * reaches, other partitions' rows included: the ranking checks every block against what was checked, and names
     * the partition.
     */
    @Test
    void aPartitionWhoseRowsChangedBeforeTheRankingFailsIt() {
        List<Row> rows = TestFrames.teacherRows(200, FEATURES, 3, 8);
        List<List<Row>> parts = split(rows, 2);
        List<PartitionSummary> checked = List.of(summary(0, parts.get(0), 2), summary(1, parts.get(1), 2));
        List<Row> changed = new ArrayList<>(parts.get(1));
        changed.set(3, RowFactory.create(Vectors.dense(1, 2, 3, 4), 0.0));
        List<PartitionSummary> recomputed = List.of(checked.get(0), summary(1, changed, 2));
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Exception e = assertThrows(Exception.class, () -> RowRanking.ids(context, context.parallelize(recomputed, 2),
                checked.stream().map(PartitionSummary::withoutHashes).toList(), 2, false).collect());
        assertTrue(e.getMessage().contains("partition 1 of the input changed since its rows were checked"), e.getMessage());
        assertTrue(e.getMessage().contains("in hash range"), e.getMessage());
    }

    /**
     * Each row's content mapped to the ids its copies got, with {@code parts} as the input partitions and
     * {@code partitions} training partitions.
     */
    private static Map<String, Set<Long>> idsByContent(List<List<Row>> parts, int partitions, boolean byHashRange) {
        List<PartitionSummary> summaries = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            summaries.add(summary(p, parts.get(p), partitions));
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<PartitionIds> ids = RowRanking.ids(context, context.parallelize(summaries, summaries.size()),
                summaries.stream().map(PartitionSummary::withoutHashes).toList(), partitions, byHashRange).collect();
        assertEquals(partitions, ids.size());
        List<List<Row>> training = new ArrayList<>();
        for (int t = 0; t < partitions; t++) {
            training.add(new ArrayList<>());
        }
        RowHash hash = new RowHash();
        for (int p = 0; p < parts.size(); p++) {
            for (Row row : parts.get(p)) {
                int t = byHashRange ? RowHash.range(hash.hash((Vector) row.get(0), row.getDouble(1)).hi, partitions) : p;
                training.get(t).add(row);
            }
        }
        Map<String, Set<Long>> out = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int t = 0; t < partitions; t++) {
                if (training.get(t).isEmpty()) {
                    assertEquals(0, ids.get(t).rows(), "partition " + t);
                    continue;   // a replica refuses an empty partition; the fit never gives it one
                }
                List<Row> reversed = new ArrayList<>(training.get(t));
                Collections.reverse(reversed);   // the order a recomputed partition delivers its rows in is free
                PartitionData data = PartitionData.load(reversed.iterator(), ids.get(t), FEATURES, new LabelRule(3),
                        Normalization.none(FEATURES), COLUMNS, arena, t);
                for (int i = 0; i < data.rows(); i++) {
                    out.computeIfAbsent(key(reversed.get(i)), k -> new HashSet<>()).add(data.id(i));
                }
            }
        }
        return out;
    }

    private static PartitionSummary summary(int partition, List<Row> rows, int ranges) {
        return PartitionSummary.of(partition, rows.iterator(), FEATURES, new LabelRule(3), COLUMNS, ranges);
    }

    /** The reference: every row's hash in one sorted list, a row's id its place in it. */
    private static Map<String, Set<Long>> bySorting(List<Row> rows) {
        RowHash hash = new RowHash();
        long[] hi = new long[rows.size()];
        long[] lo = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            hash.hash((Vector) rows.get(i).get(0), rows.get(i).getDouble(1));
            hi[i] = hash.hi;
            lo[i] = hash.lo;
        }
        int[] order = RowHash.sortedOrder(hi, lo, rows.size());
        Map<String, Set<Long>> out = new HashMap<>();
        for (int rank = 0; rank < order.length; rank++) {
            out.computeIfAbsent(key(rows.get(order[rank])), k -> new HashSet<>()).add((long) rank);
        }
        return out;
    }

    private static List<List<Row>> split(List<Row> rows, int parts) {
        List<List<Row>> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            out.add(new ArrayList<>(rows.subList(p * rows.size() / parts, (p + 1) * rows.size() / parts)));
        }
        return out;
    }

    private static String key(Row row) {
        return row.get(0) + "|" + row.get(1);
    }
}

package dev.gatun.spark.train;

import dev.gatun.data.Normalization;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;

/**
 * One partition's rows as Gatun data, converted once when the task starts: normalised float32 features
 * {@code (rows, inputs)} and labels off-heap (int32 class indices, or a regression's float32 targets), in the arena
 * the caller owns, and each row's global id ({@link RowRanking}, this partition's share of them:
 * {@link PartitionIds}).
 * Training gathers its batches from here and never touches a Spark row again.
 */
final class PartitionData {
    private final Tensor features;
    private final MemorySegment labels;
    private final long[] ids;

    private PartitionData(Tensor features, MemorySegment labels, long[] ids) {
        this.features = features;
        this.labels = labels;
        this.ids = ids;
    }

    /**
     * Reads this partition's rows (in whatever order they come), checking each again, and gives each its global id
     * from {@code ids}: the partition must hold exactly the rows the checking pass ranked, as its fingerprint
     * says, or the run fails here rather than train on rows the ids do not describe.
     */
    static PartitionData load(Iterator<Row> rows, PartitionIds ids, int inputs, LabelRule rule, Normalization normalization,
                              Columns columns, Arena arena, int partition) {
        int n = ids.rows();
        if (n < 1) {
            throw new IllegalArgumentException("partition " + partition + " holds no rows");
        }
        Tensor features = Tensor.allocate(arena, DType.F32, n, inputs);
        MemorySegment labels = arena.allocate(ValueLayout.JAVA_INT, n);
        long[] hashHi = new long[n];
        long[] hashLo = new long[n];
        PartitionFingerprint read = PartitionFingerprint.EMPTY;
        RowHash hash = new RowHash();
        MemorySegment all = features.segment();
        long rowBytes = (long) inputs * Float.BYTES;
        int i = 0;
        while (rows.hasNext()) {
            Row next = rows.next();
            if (i == n) {
                throw changed(partition, ids, "more than " + n + " rows");
            }
            RowChecks.Checked checked;
            try {
                checked = RowChecks.row(next, inputs, rule, i, columns);
            } catch (RowChecks.BadRow bad) {
                throw changed(partition, ids, "a row that fails the checks (" + bad.problem() + ")");
            }
            Vector vector = checked.features();
            double label = checked.label();
            hash.hash(vector, label);
            hashHi[i] = hash.hi;
            hashLo[i] = hash.lo;
            read = read.with(hash.hi, hash.lo);
            labels.setAtIndex(ValueLayout.JAVA_INT, i, rule.bits(label));
            MemorySegment row = all.asSlice(i * rowBytes, rowBytes);
            if (vector instanceof SparseVector sparse) {
                row.fill((byte) 0);
                for (int k = 0; k < sparse.indices().length; k++) {
                    row.setAtIndex(ValueLayout.JAVA_FLOAT, sparse.indices()[k], (float) sparse.values()[k]);
                }
            } else {
                double[] values = vector.toArray();
                for (int j = 0; j < inputs; j++) {
                    row.setAtIndex(ValueLayout.JAVA_FLOAT, j, (float) values[j]);
                }
            }
            normalization.apply(row, row);
            i++;
        }
        if (!read.equals(ids.fingerprint())) {
            throw changed(partition, ids, read.toString());
        }
        long[] rowIds = new long[n];
        int[] order = RowHash.sortedOrder(hashHi, hashLo, n);
        for (int k = 0; k < n; k++) {
            rowIds[order[k]] = ids.id(k);
        }
        return new PartitionData(features, labels, rowIds);
    }

    /**
     * A partition that no longer holds the rows the checking pass saw. Not worth retrying: a source that gives
     * other rows each time it is computed does so again.
     */
    private static IllegalArgumentException changed(int partition, PartitionIds ids, String now) {
        return changed(partition, ids.fingerprint().toString(), now);
    }

    /** As above, for any part of a partition's rows: what it held when checked, and what it holds now. */
    static IllegalArgumentException changed(int partition, String held, String now) {
        return new IllegalArgumentException("partition " + partition + " of the input changed since its rows were"
                + " checked: it held " + held + ", it now holds " + now + "; the input must"
                + " give the same rows each time Spark computes it (cache it, or checkpoint it when its source is not"
                + " deterministic)");
    }

    int rows() {
        return ids.length;
    }

    int inputs() {
        return (int) features.cols();
    }

    long id(int row) {
        return ids[row];
    }

    /** Copies local row {@code row} into row {@code to} of {@code batch}, and its label into {@code batchLabels}. */
    void copyRow(int row, Tensor batch, int to, MemorySegment batchLabels) {
        long rowBytes = features.cols() * Float.BYTES;
        MemorySegment.copy(features.segment(), row * rowBytes, batch.segment(), to * rowBytes, rowBytes);
        batchLabels.setAtIndex(ValueLayout.JAVA_INT, to, labels.getAtIndex(ValueLayout.JAVA_INT, row));
    }
}

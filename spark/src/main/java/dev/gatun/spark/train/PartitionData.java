package dev.gatun.spark.train;

import dev.gatun.data.Normalization;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;

/**
 * One partition's rows as Gatun data, converted once when the task starts: normalised float32 features
 * {@code (rows, inputs)} and int32 labels off-heap, in the arena the caller owns, and each row's global id.
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
     * Reads {@code expectedRows} rows (what the checking pass counted in this partition), checking each again: a
     * source that changed between the two passes is an error, not a silently different data set.
     */
    static PartitionData load(Iterator<Tuple2<Row, Long>> rows, long expectedRows, int inputs, int classes,
                              Normalization normalization, Columns columns, Arena arena, int partition) {
        if (expectedRows < 1 || expectedRows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("partition " + partition + " holds " + expectedRows + " rows");
        }
        int n = (int) expectedRows;
        Tensor features = Tensor.allocate(arena, DType.F32, n, inputs);
        MemorySegment labels = arena.allocate(ValueLayout.JAVA_INT, n);
        long[] ids = new long[n];
        MemorySegment all = features.segment();
        long rowBytes = (long) inputs * Float.BYTES;
        int i = 0;
        while (rows.hasNext()) {
            Tuple2<Row, Long> next = rows.next();
            if (i == n) {
                throw new IllegalStateException("partition " + partition + " now holds more than the " + n
                        + " rows counted before training: the input changed between two reads (cache or checkpoint it)");
            }
            long id = next._2();
            Vector vector = RowChecks.features(next._1().get(0), inputs, id, columns.features());
            labels.setAtIndex(ValueLayout.JAVA_INT, i, RowChecks.label(next._1().get(1), classes, id, columns.label()));
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
            ids[i++] = id;
        }
        if (i != n) {
            throw new IllegalStateException("partition " + partition + " now holds " + i + " rows, " + n
                    + " were counted before training: the input changed between two reads (cache or checkpoint it)");
        }
        return new PartitionData(features, labels, ids);
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

package dev.gatun.spark.train;

import dev.gatun.data.DataSet;
import dev.gatun.data.FeatureType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A Gatun data set read on the driver, as a DataFrame of a {@code features} vector column and a {@code label} column
 * (the class index, or a regression's one target) in the data set's own row order. The rows travel to the executors in
 * blocks of their stored form (a byte per pixel for images, float32 for tables), a quarter or half of what Spark rows
 * of doubles would weigh, and become Spark rows only inside the tasks. Each partition's blocks are a Spark broadcast
 * rather than part of its task: a task then stays small (Fashion-MNIST's training images made tasks of 23 MB, and
 * Spark warned of each), and an executor fetches its partitions' rows once and keeps them while the frame lives,
 * however often the partition is computed (a retried stage included). The driver holds the blocks and their serialised
 * pieces, up to twice the rows' stored size, until Spark's context cleaner removes the broadcasts: after a garbage
 * collection on the driver finds the frame unreferenced (it runs one every 30 minutes, {@code
 * spark.cleaner.periodicGC.interval}).
 */
public final class DataSetFrame {
    /** Rows per block at most: small enough that a block is a small part of a task, large enough to cost little. */
    private static final int BLOCK_ROWS = 1024;

    private DataSetFrame() {}

    /** Refuses a data set a frame cannot carry: one of several regression targets a row. */
    public static void checkTrainable(DataSet data) {
        if (data.targetWidth() > 1) {
            throw new IllegalArgumentException("data set " + data.name() + " holds " + data.targetWidth() + " regression"
                    + " targets a row: Gatun on Spark trains regressions of one output");
        }
    }

    public static Dataset<Row> of(SparkSession spark, DataSet data, int partitions) {
        checkTrainable(data);
        // Blocks of one size, a whole number of them per partition: Spark slices the list evenly by blocks, and
        // so the rows come out evenly too.
        long perPartition = (data.size() + (long) BLOCK_ROWS * partitions - 1) / ((long) BLOCK_ROWS * partitions);
        // At most size/partitions rows per block, so that a set of at least `partitions` rows makes at least as many
        // blocks and no partition is empty (9 rows in 4 partitions as blocks of 3 would leave one empty).
        int blockRows = (int) Math.max(1, Math.min((data.size() + perPartition * partitions - 1)
                / (perPartition * partitions), data.size() / partitions));
        List<Block> blocks = new ArrayList<>();
        for (int start = 0; start < data.size(); start += blockRows) {
            blocks.add(Block.of(data, start, Math.min(data.size(), start + blockRows)));
        }
        // Partition p takes blocks [p·n/P, (p+1)·n/P), the slices Spark's parallelize of the list would make.
        List<Block[]> slices = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            int from = (int) ((long) p * blocks.size() / partitions);
            int to = (int) ((long) (p + 1) * blocks.size() / partitions);
            slices.add(blocks.subList(from, to).toArray(Block[]::new));
            indices.add(p);
        }
        PartitionBroadcasts<Block[]> shares = PartitionBroadcasts.of(spark.sparkContext(), slices, Block[].class);
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(indices, partitions).flatMap(p -> rowsOf(shares.partition(p)));
        StructType schema = new StructType().add("features", new VectorUDT(), false)
                .add("label", DataTypes.DoubleType, false);
        return spark.createDataFrame(rows, schema);
    }

    private static Iterator<Row> rowsOf(Block[] blocks) {
        return java.util.Arrays.stream(blocks).flatMap(b -> java.util.stream.StreamSupport.stream(
                java.util.Spliterators.spliteratorUnknownSize(b.rows(), 0), false)).iterator();
    }

    /**
     * Consecutive rows in their stored form: {@code pixels} for bytes, {@code values} for float32; {@code labels} for
     * classes, {@code targets} for a regression.
     */
    private record Block(int features, byte[] pixels, float[] values, int[] labels, float[] targets)
            implements Serializable {
        static Block of(DataSet data, int start, int end) {
            int n = end - start;
            int features = data.features();
            boolean bytes = data.featureType() == FeatureType.UINT8;
            byte[] pixels = bytes ? new byte[n * features] : null;
            float[] values = bytes ? null : new float[n * features];
            boolean regression = data.targetWidth() == 1;
            int[] labels = regression ? null : new int[n];
            float[] targets = regression ? new float[n] : null;
            for (int i = 0; i < n; i++) {
                MemorySegment row = data.row(start + i);
                if (bytes) {
                    MemorySegment.copy(row, ValueLayout.JAVA_BYTE, 0, pixels, i * features, features);
                } else {
                    MemorySegment.copy(row, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values, i * features, features);
                }
                if (regression) {
                    targets[i] = data.target(start + i, 0);
                } else {
                    labels[i] = data.label(start + i);
                }
            }
            return new Block(features, pixels, values, labels, targets);
        }

        Iterator<Row> rows() {
            int n = labels != null ? labels.length : targets.length;
            List<Row> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                double[] x = new double[features];
                for (int j = 0; j < features; j++) {
                    x[j] = pixels != null ? pixels[i * features + j] & 0xff : values[i * features + j];
                }
                out.add(RowFactory.create(Vectors.dense(x), labels != null ? (double) labels[i] : (double) targets[i]));
            }
            return out.iterator();
        }
    }
}

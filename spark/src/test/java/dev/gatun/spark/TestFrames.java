package dev.gatun.spark;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small DataFrames for the tests: features a model can learn, labels from a fixed random linear teacher. */
public final class TestFrames {
    private TestFrames() {}

    public static StructType schema() {
        return new StructType().add("features", new VectorUDT(), true).add("label", DataTypes.DoubleType, true);
    }

    /** {@code rows} gaussian rows of {@code features} values, labelled by argmax of x·T for a seeded T. */
    public static List<Row> teacherRows(int rows, int features, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] teacher = new double[features][classes];
        for (double[] row : teacher) {
            for (int c = 0; c < classes; c++) {
                row[c] = random.nextGaussian();
            }
        }
        List<Row> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            double[] x = new double[features];
            for (int j = 0; j < features; j++) {
                x[j] = 3 + 2 * random.nextGaussian();   // off-centre, so normalisation matters
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double score = 0;
                for (int j = 0; j < features; j++) {
                    score += (x[j] - 3) * teacher[j][c];
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            out.add(RowFactory.create(Vectors.dense(x), (double) best));
        }
        return out;
    }

    public static Dataset<Row> frame(SparkSession spark, List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, schema()).repartition(partitions);
    }

    /** The rows as a CSV file: columns {@code x0..xF-1}, then {@code label} as a whole number. */
    public static Path writeCsv(List<Row> rows, Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        int features = ((Vector) rows.getFirst().get(0)).size();
        for (int j = 0; j < features; j++) {
            out.append('x').append(j).append(',');
        }
        out.append("label\n");
        for (Row row : rows) {
            for (double v : ((Vector) row.get(0)).toArray()) {
                out.append(v).append(',');
            }
            out.append((int) row.getDouble(1)).append('\n');
        }
        return Files.writeString(file, out);
    }
}

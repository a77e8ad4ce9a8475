package dev.gatun.spark.bench;

import dev.gatun.data.DataSet;
import dev.gatun.spark.TestFrames;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Fashion-MNIST images as a DataFrame of (features, label), pixels multiplied by a scale (1 keeps 0–255). */
public final class FashionMnistFrames {
    private FashionMnistFrames() {}

    public static Dataset<Row> of(SparkSession spark, DataSet data, double scale) {
        List<Row> rows = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            MemorySegment image = data.pixels(i);
            double[] pixels = new double[data.features()];
            for (int j = 0; j < pixels.length; j++) {
                pixels[j] = (image.get(ValueLayout.JAVA_BYTE, j) & 0xFF) * scale;
            }
            rows.add(RowFactory.create(Vectors.dense(pixels), (double) data.label(i)));
        }
        return spark.createDataFrame(rows, TestFrames.schema());
    }
}

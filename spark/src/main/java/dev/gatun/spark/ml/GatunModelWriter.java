package dev.gatun.spark.ml;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWriter;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Saves a Gatun model ({@link GatunClassificationModel}, {@link GatunRegressionModel}) as Spark ML does its own
 * models, {@code metadata/} (class, uid, params, as JSON) beside {@code data/}; the data is the Gatun model file
 * itself, {@code data/model.gatun}, written through Hadoop's file system so the path may be local, HDFS or an object
 * store. The training losses go beside it, {@code data/training-losses.txt}, one per epoch and line, each as {@link
 * Double#toString} writes it (read back exactly).
 */
final class GatunModelWriter extends MLWriter {
    static final String MODEL_FILE = "data/model.gatun";
    static final String LOSSES_FILE = "data/training-losses.txt";

    private final Params model;
    private final byte[] modelFile;
    private final double[] trainingLosses;

    GatunModelWriter(Params model, byte[] modelFile, double[] trainingLosses) {
        this.model = model;
        this.modelFile = modelFile;
        this.trainingLosses = trainingLosses;
    }

    @Override
    public void saveImpl(String path) {
        DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
        Path file = new Path(path, MODEL_FILE);
        try {
            FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
            try (FSDataOutputStream out = fs.create(file, true)) {
                out.write(modelFile);
            }
            StringBuilder losses = new StringBuilder();
            for (double loss : trainingLosses) {
                losses.append(loss).append('\n');
            }
            try (FSDataOutputStream out = fs.create(new Path(path, LOSSES_FILE), true)) {
                out.write(losses.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("saving the Gatun model file " + file + ": " + e.getMessage(), e);
        }
    }
}

package dev.gatun.spark.ml;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Loads what {@link GatunModelWriter} saved: the params from the metadata, the model from the Gatun model file, the
 * training losses from theirs (none for a model saved before they were kept).
 */
final class GatunModelReader<M extends Params> extends MLReader<M> {
    /** Makes the model from its uid, model file and training losses. */
    interface Factory<M> {
        M create(String uid, byte[] modelFile, double[] trainingLosses);
    }

    private final Class<M> type;
    private final Factory<M> factory;

    GatunModelReader(Class<M> type, Factory<M> factory) {
        this.type = type;
        this.factory = factory;
    }

    @Override
    public M load(String path) {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
                type.getName());
        Path file = new Path(path, GatunModelWriter.MODEL_FILE);
        byte[] bytes;
        try {
            FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
            long length = fs.getFileStatus(file).getLen();
            if (length > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("Gatun model file " + file + " of " + length + " bytes is too large");
            }
            bytes = new byte[(int) length];
            try (FSDataInputStream in = fs.open(file)) {
                in.readFully(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("loading the Gatun model file " + file + ": " + e.getMessage(), e);
        }
        M model = factory.create(metadata.uid(), bytes, losses(path));
        metadata.getAndSetParams(model, Option.empty());
        return model;
    }

    private double[] losses(String path) {
        Path file = new Path(path, GatunModelWriter.LOSSES_FILE);
        try {
            FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
            if (!fs.exists(file)) {
                return new double[0];
            }
            try (FSDataInputStream in = fs.open(file)) {
                String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                return text.lines().filter(line -> !line.isBlank()).mapToDouble(Double::parseDouble).toArray();
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalArgumentException("reading the training losses " + file + ": " + e.getMessage(), e);
        }
    }
}

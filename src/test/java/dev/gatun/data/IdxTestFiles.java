package dev.gatun.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes IDX files byte by byte with {@link DataOutputStream} (big-endian by definition): an encoder independent
 * of the loader under test.
 */
public final class IdxTestFiles {
    private IdxTestFiles() {}

    /** The bytes of an IDX file of {@code type} and {@code dims} holding {@code values} (cast to the type). */
    static byte[] bytes(IdxType type, int[] dims, double[] values) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(0);
            out.writeByte(0);
            out.writeByte(type.code());
            out.writeByte(dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            for (double v : values) {
                switch (type) {
                    case UNSIGNED_BYTE, SIGNED_BYTE -> out.writeByte((int) v);
                    case SHORT -> out.writeShort((int) v);
                    case INT -> out.writeInt((int) v);
                    case FLOAT -> out.writeFloat((float) v);
                    case DOUBLE -> out.writeDouble(v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    public static Path write(Path file, IdxType type, int[] dims, double[] values) throws IOException {
        return write(file, file.getFileName().toString().endsWith(".gz") ? gzip(bytes(type, dims, values))
                : bytes(type, dims, values));
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, bytes);
        return file;
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(buffer)) {
            out.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /** {@code n} unsigned-byte images of {@code height × width}: pixel p of image i is (7·i + 3·p) mod 256. */
    static double[] images(int n, int height, int width) {
        double[] values = new double[n * height * width];
        for (int i = 0; i < values.length; i++) {
            int image = i / (height * width);
            int p = i % (height * width);
            values[i] = (7 * image + 3 * p) % 256;
        }
        return values;
    }

    static Path writeImages(Path file, int n, int height, int width) throws IOException {
        return write(file, IdxType.UNSIGNED_BYTE, new int[] {n, height, width}, images(n, height, width));
    }

    static Path writeLabels(Path file, int[] labels) throws IOException {
        double[] values = new double[labels.length];
        for (int i = 0; i < labels.length; i++) {
            values[i] = labels[i];
        }
        return write(file, IdxType.UNSIGNED_BYTE, new int[] {labels.length}, values);
    }

    /** Labels cycling through {@code classes}: sample i has class i mod classes. */
    static int[] cyclicLabels(int n, int classes) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        return labels;
    }

    /** A data set of synthetic images and the files it maps; closing it unmaps them. */
    record Synthetic(DataSet data, IdxFile images, IdxFile labels) implements AutoCloseable {
        @Override
        public void close() {
            images.close();
            labels.close();
        }
    }

    /** Writes and opens {@code labels.length} synthetic images of {@code height × width} under {@code dir}. */
    static Synthetic synthetic(Path dir, int height, int width, int[] labels, int classes) throws IOException {
        String name = labels.length + "-" + height + "x" + width;
        Path imageFile = writeImages(dir.resolve("images-" + name), labels.length, height, width);
        Path labelFile = writeLabels(dir.resolve("labels-" + name), labels);
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        IdxFile images = IdxFile.open(imageFile, cache);
        IdxFile labelIdx = IdxFile.open(labelFile, cache);
        return new Synthetic(DataSet.of("synthetic", images, labelIdx, classes), images, labelIdx);
    }
}

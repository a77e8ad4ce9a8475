package dev.gatun.data;

import dev.gatun.tensor.Shapes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A directory holding the four standard MNIST-format files ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}), each plain
 * or gzipped (a plain file wins when both exist; the {@code train-images.idx3-ubyte} spelling is accepted too).
 * MNIST, Fashion-MNIST and KMNIST all come this way.
 *
 * <p>Owns the four mapped files: close it (try-with-resources) when training is over, and every data set, split
 * and batch built on it becomes unusable.
 */
public final class MnistDirectory implements AutoCloseable {
    /** MNIST and Fashion-MNIST both have ten classes. */
    public static final int DEFAULT_CLASSES = 10;

    private final Path directory;
    private final List<IdxFile> files;
    private final DataSet train;
    private final DataSet test;

    private MnistDirectory(Path directory, List<IdxFile> files, DataSet train, DataSet test) {
        this.directory = directory;
        this.files = files;
        this.train = train;
        this.test = test;
    }

    /** Loads {@code dir} with ten classes and the default {@link IdxCache}. */
    public static MnistDirectory load(Path dir) throws IOException {
        return load(dir, DEFAULT_CLASSES, IdxCache.defaultCache());
    }

    /**
     * Maps the four files (decompressing gzipped ones through {@code cache}) and checks them against each other.
     *
     * @throws DataFileException a file is missing or malformed, image and label counts disagree, a label is not
     *     below {@code classes}, or train and test images have different shapes
     */
    public static MnistDirectory load(Path dir, int classes, IdxCache cache) throws IOException {
        if (dir == null || cache == null) {
            throw new IllegalArgumentException("directory and cache must not be null");
        }
        if (!Files.isDirectory(dir)) {
            throw new DataFileException(dir, "directory", DataFileException.NO_OFFSET,
                    "a directory holding the MNIST files", Files.exists(dir) ? "a file" : "nothing there");
        }
        List<IdxFile> opened = new ArrayList<>(4);
        try {
            IdxFile trainImages = open(dir, "train-images", "idx3-ubyte", cache, opened);
            IdxFile trainLabels = open(dir, "train-labels", "idx1-ubyte", cache, opened);
            IdxFile testImages = open(dir, "t10k-images", "idx3-ubyte", cache, opened);
            IdxFile testLabels = open(dir, "t10k-labels", "idx1-ubyte", cache, opened);
            DataSet train = DataSet.of("train", trainImages, trainLabels, classes);
            DataSet test = DataSet.of("test", testImages, testLabels, classes);
            if (!Arrays.equals(train.sampleShape(), test.sampleShape())) {
                throw new DataFileException(testImages.path(), "dimensions", IdxHeader.DIMS_OFFSET,
                        "images of shape " + Shapes.format(train.sampleShape()) + " like " + trainImages.path(),
                        "images of shape " + Shapes.format(test.sampleShape()));
            }
            return new MnistDirectory(dir, List.copyOf(opened), train, test);
        } catch (IOException | RuntimeException failure) {
            opened.forEach(IdxFile::close);
            throw failure;
        }
    }

    private static IdxFile open(Path dir, String stem, String suffix, IdxCache cache, List<IdxFile> opened)
            throws IOException {
        List<String> names = List.of(stem + "-" + suffix, stem + "." + suffix);
        for (String name : names) {
            for (String candidate : List.of(name, name + ".gz")) {
                Path file = dir.resolve(candidate);
                if (Files.isRegularFile(file)) {
                    IdxFile idx = IdxFile.open(file, cache);
                    opened.add(idx);
                    return idx;
                }
            }
        }
        throw new DataFileException(dir.resolve(names.getFirst()), "file", DataFileException.NO_OFFSET,
                "one of " + String.join(", ", names) + " (optionally .gz) in " + dir,
                "none; the directory holds " + listing(dir));
    }

    private static String listing(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).sorted().limit(20).toList();
            return names.isEmpty() ? "nothing" : String.join(", ", names);
        }
    }

    public Path directory() {
        return directory;
    }

    /** The four files read, in the order train images, train labels, test images, test labels (gzipped as found). */
    public List<Path> files() {
        return files.stream().map(IdxFile::path).toList();
    }

    /** The 60,000 training images of MNIST / Fashion-MNIST (carve the dev set from it with {@link DataSet#split}). */
    public DataSet train() {
        return train;
    }

    /** The t10k images: touch them only for the final evaluation. */
    public DataSet test() {
        return test;
    }

    /** Unmaps all four files. */
    @Override
    public void close() {
        files.forEach(IdxFile::close);
    }

    @Override
    public String toString() {
        return "MnistDirectory[" + directory + ": " + train + ", " + test + "]";
    }
}

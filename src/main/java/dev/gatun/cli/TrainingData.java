package dev.gatun.cli;

import dev.gatun.data.CsvOptions;
import dev.gatun.data.CsvReader;
import dev.gatun.data.DataSet;
import dev.gatun.data.IdxCache;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code gatun train}, {@code tune} and {@code sanity} read: an MNIST-format directory's train and test sets, or
 * a CSV file with a label column (plus a test file, a test fraction carved from it by the seed, or no test set), and
 * what follows from the kind of data when the options leave it open. Owns what it opened.
 *
 * @param table true for a CSV file, false for images
 * @param test null when the run has no test set (a CSV file without {@code --test} or {@code --test-split})
 * @param classNames one name per class (empty for regression)
 * @param featureNames the CSV header's feature columns; empty for images and header-less files
 */
record TrainingData(String source, boolean table, DataSet train, DataSet test, List<String> classNames,
                    List<String> featureNames, List<AutoCloseable> owned) implements AutoCloseable {
    /** Separates the test split's draw from the dev split's, which uses the same seed. */
    private static final long TEST_SALT = 0x7E57_5A17L;

    static TrainingData idx(Path dir, int classes) throws IOException {
        MnistDirectory directory = DataDirectory.open(dir, classes);
        return new TrainingData(directory.directory().toString(), false, directory.train(), directory.test(),
                ClassNames.of(dir, directory.train().classes()), List.of(), List.of(directory));
    }

    /**
     * The rows the test and dev sets are drawn from: the --data table's (before a --test-split takes its share), or
     * the training images'.
     */
    long dataRows() {
        return owned.getFirst() instanceof Table t ? t.rows() : train.size();
    }

    /**
     * The files read, named as a message would name them: {@code --data} (for images, each file of the directory)
     * and {@code --test}.
     */
    Map<String, Path> inputFiles(DataSource source) {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("--data", source.data());
        for (AutoCloseable o : owned) {
            if (o instanceof MnistDirectory directory) {
                directory.files().forEach(f -> files.put("--data directory's " + f.getFileName(), f));
            }
        }
        files.put("--test", source.test());
        return files;
    }

    /** {@code --data} with {@code --label} names a CSV file: a missing one or a directory fails here, naming it. */
    static void requireCsvFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--data " + file + (Files.exists(file) ? " is not a regular file"
                    : " does not exist") + ": with --label it names a CSV file");
        }
    }

    /**
     * The CSV file {@code file} with its label column, its classes {@code fixedClasses} when not empty (a resumed
     * run's, so that a label keeps its index) else the file's; the test set from {@code testFile} (read with the
     * training file's classes) or a {@code testSplit} fraction of the file drawn by {@code seed}, or none.
     */
    static TrainingData csv(Path file, String label, boolean regression, List<String> fixedClasses, Path testFile,
                            Double testSplit, long seed) throws IOException {
        requireCsvFile(file);
        CsvOptions options = (regression ? CsvOptions.regression(label) : CsvOptions.classification(label))
                .withCache(IdxCache.defaultCache());
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            Table table = CsvReader.read(file, regression || fixedClasses.isEmpty() ? options
                    : options.withClasses(fixedClasses));
            owned.add(table);
            DataSet train = table.dataSet();
            DataSet test = null;
            if (testFile != null) {
                Table tests = CsvReader.read(testFile, regression ? options : options.withClasses(table.classNames()));
                owned.add(tests);
                if (tests.dataSet().features() != train.features()) {
                    throw new IllegalArgumentException("--test " + testFile + " has " + tests.dataSet().features()
                            + " feature columns but --data " + file + " has " + train.features());
                }
                FeatureColumns.requireSame("the model (--data " + file + ")", table.featureNames(), "--test " + testFile,
                        tests.featureNames());
                test = tests.dataSet();
            } else if (testSplit != null) {
                int n = train.size();
                int size = (int) Math.round(testSplit * n);
                if (size < 1 || size >= n) {
                    throw new UsageException("--test-split " + testSplit + " of " + n + " rows leaves " + size
                            + " test rows; it must leave at least one row for test and one for training");
                }
                DataSet.Split split = train.split(size, seed ^ TEST_SALT);
                train = split.train();
                test = split.dev();
            }
            return new TrainingData(file.toString(), true, train, test, table.classNames(), table.featureNames(), owned);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : owned) {
                closeQuietly(c, e);
            }
            throw e;
        }
    }

    /**
     * The layer widths when {@code --layers} may be left out: a table gets its features, one hidden layer and its
     * outputs (one per target, or per class); images get the options' widths.
     */
    List<Integer> widths(NetworkOptions network, boolean regression) {
        return table ? network.widthsFor(train.features(), regression ? train.targetWidth() : train.classes())
                : network.widths();
    }

    /** The normalisation when {@code --normalize} is not given: pixels scaled to [0, 1], a table's columns standardised. */
    Normalization.Mode defaultNormalization() {
        return table ? Normalization.Mode.STANDARDIZE_PER_FEATURE : Normalization.Mode.SCALE_TO_UNIT;
    }

    /** The default normalisation fitted to {@code train} (a table's means and deviations come from its rows). */
    Normalization defaultNormalization(DataSet train) {
        return table ? Normalization.fit(Normalization.Mode.STANDARDIZE_PER_FEATURE, train)
                : Normalization.scaleToUnit(train.features());
    }

    /** The names of {@code classes} classes: the data's own, or indices when it has none. */
    List<String> classNames(int classes) {
        return classNames.size() == classes ? classNames : ClassNames.indices(classes);
    }

    private static void closeQuietly(AutoCloseable c, Exception failure) {
        try {
            c.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : owned) {
            c.close();
        }
    }
}

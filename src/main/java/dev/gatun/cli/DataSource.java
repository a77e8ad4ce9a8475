package dev.gatun.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run's data comes from, as its options name it: an MNIST-format directory ({@code label} null; {@code data}
 * null is the default directory), or a CSV file with its label column and at most one of a test file and a test
 * fraction. A checkpoint keeps it (paths made absolute), so {@code --resume} reads the same data without the options.
 */
record DataSource(Path data, String label, Path test, Double testSplit) {
    private static final String PREFIX = "data.";
    private static final String PATH = PREFIX + "path";
    private static final String LABEL = PREFIX + "label";
    private static final String TEST = PREFIX + "test";
    private static final String TEST_SPLIT = PREFIX + "test_split";

    /** A CSV table (a label column is named), not an image directory. */
    boolean table() {
        return label != null;
    }

    /** True when no option names any data: a resumed run then reads what its checkpoint recorded. */
    boolean empty() {
        return data == null && label == null && test == null && testSplit == null;
    }

    /**
     * Opens the data: the directory with its labels checked against {@code classes}, or the CSV file (its classes
     * fixed to {@code fixedClasses} when that is not empty, else learnt from the file), the test fraction drawn by
     * {@code seed}. Options that only make sense for CSV data are refused without a label.
     */
    TrainingData open(int classes, boolean regression, List<String> fixedClasses, long seed) throws IOException {
        if (test != null && testSplit != null) {
            throw new UsageException("--test and --test-split both name the test set: give one");
        }
        if (label == null && (test != null || testSplit != null || regression)) {
            throw new UsageException((regression ? "--task regression" : test != null ? "--test" : "--test-split")
                    + " is for CSV data: give --data FILE.csv --label COLUMN");
        }
        requireLabelMatchesData(data, label);
        return label == null ? TrainingData.idx(data, classes)
                : TrainingData.csv(data, label, regression, fixedClasses, test, testSplit, seed);
    }

    /**
     * The usage errors of {@code --data} and {@code --label} together, the same in every command that takes them: a
     * CSV file without its label column, a label column without the file that holds it.
     */
    static void requireLabelMatchesData(Path data, String label) {
        if (label == null && data != null && Files.isRegularFile(data)) {
            throw new UsageException("--data " + data + " is a file: CSV data needs --label COLUMN (the label"
                    + " column's header name or number)");
        }
        if (label != null && data == null) {
            throw new UsageException("--label names a column of a CSV file: give it with --data FILE.csv");
        }
    }

    /**
     * This run's options over a checkpoint's {@code stored} source: the data file and label given replace the
     * stored ones one by one; a test file given replaces a stored test file. A test fraction decides which rows of
     * the file are trained on, so over the same file it cannot change: another fraction, or one added or dropped,
     * would move rows the model has trained on into the test (or dev) set. Another data file takes any test set.
     */
    DataSource over(DataSource stored) {
        Double split = testSplit != null ? testSplit : test != null ? null : stored.testSplit;
        if (sameFile(data, stored.data) && !java.util.Objects.equals(split, stored.testSplit)) {
            throw new UsageException("--resume: the run " + (stored.testSplit != null ? "held out --test-split "
                    + stored.testSplit : "held out no test fraction") + "; " + (testSplit != null ? "--test-split "
                    + testSplit : "--test " + test) + " would test on, or split the dev set from, rows it was"
                    + " trained on. Resume with the run's own test set, or start a new run");
        }
        boolean testGiven = test != null || testSplit != null;
        return new DataSource(data != null ? data : stored.data, label != null ? label : stored.label,
                testGiven ? test : stored.test, testGiven ? testSplit : stored.testSplit);
    }

    /** Whether {@code given} (null: not given, so the stored one) names the file {@code stored} names. */
    static boolean sameFile(Path given, Path stored) {
        if (given == null || stored == null) {
            return given == null;
        }
        try {
            return Files.isSameFile(given, stored);
        } catch (java.io.IOException e) {   // one of them is gone: reading it fails later, naming it
            return given.toAbsolutePath().normalize().equals(stored.toAbsolutePath().normalize());
        }
    }

    /** As checkpoint metadata: the options given, paths absolute (a resumed run may start elsewhere). */
    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        if (data != null) {
            m.put(PATH, data.toAbsolutePath().toString());
        }
        if (label != null) {
            m.put(LABEL, label);
        }
        if (test != null) {
            m.put(TEST, test.toAbsolutePath().toString());
        }
        if (testSplit != null) {
            m.put(TEST_SPLIT, testSplit.toString());
        }
        return m;
    }

    /** Read back from checkpoint metadata; a checkpoint that recorded none gives the empty source. */
    static DataSource fromMap(Map<String, String> m) {
        try {
            return new DataSource(m.containsKey(PATH) ? Path.of(m.get(PATH)) : null, m.get(LABEL),
                    m.containsKey(TEST) ? Path.of(m.get(TEST)) : null,
                    m.containsKey(TEST_SPLIT) ? Double.valueOf(m.get(TEST_SPLIT)) : null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the checkpoint's " + TEST_SPLIT + " '" + m.get(TEST_SPLIT)
                    + "' is not a number");
        }
    }
}

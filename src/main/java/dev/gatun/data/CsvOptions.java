package dev.gatun.data;

import java.util.List;
import java.util.Objects;

/**
 * What {@link CsvReader} needs to know about a CSV file beyond its cells: which column is the label and what kind.
 *
 * @param label the label column: its name in the header, or its number counting from 1
 * @param regression true: the label is a real-valued target; false: a class (any text, integers included)
 * @param classes for a classifier's test or evaluation file, the classes it must use, in index order (their names,
 *     as a model file keeps them); empty: the classes are the label values found, sorted (numerically when every one
 *     is an integer)
 * @param cache where the parsed rows are kept (the IDX cache's directory, {@code csv/} below it)
 */
public record CsvOptions(String label, boolean regression, List<String> classes, IdxCache cache) {
    public CsvOptions {
        Objects.requireNonNull(label, "label column");
        if (label.isBlank()) {
            throw new IllegalArgumentException("the label column must be named or numbered, got '" + label + "'");
        }
        classes = List.copyOf(classes);
        if (regression && !classes.isEmpty()) {
            throw new IllegalArgumentException("a regression target has no classes, got " + classes);
        }
        Objects.requireNonNull(cache, "cache");
    }

    /** Class labels in column {@code label}, classes learnt from the file, the default cache. */
    public static CsvOptions classification(String label) {
        return new CsvOptions(label, false, List.of(), IdxCache.defaultCache());
    }

    /** A real-valued target in column {@code label}, the default cache. */
    public static CsvOptions regression(String label) {
        return new CsvOptions(label, true, List.of(), IdxCache.defaultCache());
    }

    /** The same, with the classes fixed (a test file read with its training file's classes). */
    public CsvOptions withClasses(List<String> fixed) {
        return new CsvOptions(label, regression, fixed, cache);
    }

    public CsvOptions withCache(IdxCache other) {
        return new CsvOptions(label, regression, classes, other);
    }
}

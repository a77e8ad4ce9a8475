package dev.gatun.io;

import dev.gatun.nn.ModelSpec;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model file says about itself beyond its weights: which Gatun wrote it and when, what its classes and
 * features are called, how it was trained and how well it did. Stored as the file's {@code META} key/values:
 * {@value #VERSION}, {@value #CREATED} (ISO-8601), {@value #CLASSES} and {@value #FEATURE_NAMES} (tab-separated,
 * since names may hold commas), {@code config.*} for the training configuration and {@code metric.*} for results.
 * Files written before these keys existed still load: what they lack reads as empty.
 */
public final class ModelMetadata {
    public static final String VERSION = "gatun_version";
    public static final String CREATED = "created";
    public static final String CLASSES = "classes";
    public static final String FEATURE_NAMES = "feature_names";
    public static final String CONFIG_PREFIX = "config.";
    public static final String METRIC_PREFIX = "metric.";
    private static final String LIST_SEPARATOR = "\t";

    private final Map<String, String> values;
    private final int features;

    private ModelMetadata(Map<String, String> values, int features) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.features = features;
    }

    /** The metadata of a model with {@code features} inputs whose file holds {@code values}. */
    public static ModelMetadata of(Map<String, String> values, int features) {
        return new ModelMetadata(values, features);
    }

    /**
     * Why the class or feature names in {@code values} do not fit the model {@code spec} describes (its inputs, and its
     * classes: none for a regression), or null when they fit or are absent: a service that looks up
     * {@code classNames().get(predictor.classify(x))} must not meet an index the list lacks.
     */
    static String namesMisfit(Map<String, String> values, ModelSpec spec) {
        int inputs = spec.inputs();
        int classes = spec.loss().classes(spec.outputs());
        ModelMetadata m = new ModelMetadata(values, inputs);
        List<String> classNames = m.classNames();
        if (!classNames.isEmpty() && classNames.size() != classes) {
            return "'" + CLASSES + "' names " + classNames.size() + " classes but the model predicts " + classes;
        }
        List<String> featureNames = m.featureNames();
        if (!featureNames.isEmpty() && featureNames.size() != inputs) {
            return "'" + FEATURE_NAMES + "' names " + featureNames.size() + " features but the model takes " + inputs;
        }
        return null;
    }

    /** {@link #namesMisfit} for a save: refused as the caller's argument, prefixed by {@code operation}. */
    static void requireNamesFit(String operation, Map<String, String> values, ModelSpec spec) {
        String misfit = namesMisfit(values, spec);
        if (misfit != null) {
            throw new IllegalArgumentException(operation + ": metadata " + misfit);
        }
    }

    /** A list as one metadata value (names must not contain a tab or a newline). */
    public static String encodeList(List<String> names) {
        for (String name : names) {
            if (!canStore(name)) {
                throw new IllegalArgumentException("name '" + name + "' cannot be stored: it holds a tab or a newline");
            }
        }
        return String.join(LIST_SEPARATOR, names);
    }

    /** Whether {@link #encodeList} can store {@code name}: no tab (the list's separator) and no newline. */
    public static boolean canStore(String name) {
        return !name.contains(LIST_SEPARATOR) && !name.contains("\n");
    }

    /** The Gatun version that wrote the file; empty for files older than this key. */
    public Optional<String> gatunVersion() {
        return Optional.ofNullable(values.get(VERSION));
    }

    /** When the file was written; empty when unknown or unreadable. */
    public Optional<Instant> created() {
        String text = values.get(CREATED);
        try {
            return text == null ? Optional.empty() : Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The class names, index by index; empty when the file does not name them. */
    public List<String> classNames() {
        return list(CLASSES);
    }

    /** How many raw features a sample has (the model's inputs). */
    public int features() {
        return features;
    }

    /** The features' names, in input order; empty when the file does not name them. */
    public List<String> featureNames() {
        return list(FEATURE_NAMES);
    }

    /** The training configuration ({@code config.*} keys, prefix removed). */
    public Map<String, String> training() {
        return prefixed(CONFIG_PREFIX);
    }

    /** The results recorded at training time ({@code metric.*} keys, prefix removed). */
    public Map<String, String> metrics() {
        return prefixed(METRIC_PREFIX);
    }

    /** Every key and value as stored. */
    public Map<String, String> asMap() {
        return values;
    }

    private List<String> list(String key) {
        String text = values.get(key);
        return text == null || text.isEmpty() ? List.of() : List.of(text.split(LIST_SEPARATOR, -1));
    }

    private Map<String, String> prefixed(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return "ModelMetadata" + values;
    }
}

package dev.gatun.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code --data}, {@code --label} ({@link DataFileOptions}) and {@code --task}, as a picocli mixin: the training
 * data of {@code train}, {@code tune} and {@code sanity}, an MNIST-format directory or a CSV file with its label
 * column, opened through {@link DataSource} and {@link TrainingData} so that every command reads and checks it the
 * same way.
 */
final class DataOptions {
    @Mixin
    DataFileOptions file;

    @Option(names = "--task", defaultValue = "classification", description = "classification, or regression (CSV data: "
            + "MSE, a linear output, a real-valued label column) (default ${DEFAULT-VALUE}).")
    String task;

    /** True for {@code --task regression}; anything but the two tasks is a usage error. */
    boolean regression() {
        return switch (task.strip().toLowerCase(Locale.ROOT)) {
            case "classification" -> false;
            case "regression" -> true;
            default -> throw new UsageException("--task must be 'classification' or 'regression', got '" + task + "'");
        };
    }

    /** The data these options name, with the test set of {@code testSet} (null: none). */
    DataSource source(TestSetOptions testSet) {
        return testSet == null ? new DataSource(file.path, file.label, null, null)
                : new DataSource(file.path, file.label, testSet.file, testSet.split);
    }

    /**
     * For a command whose work is about classes: the training data without the test set of {@code testSet} (null:
     * none), {@code --task regression} refused with {@code why}.
     */
    TrainingData openClassification(String why, int classes, long seed, TestSetOptions testSet) throws IOException {
        if (regression()) {
            throw new UsageException("--task regression: " + why + "; a regression trains with gatun train");
        }
        return source(testSet).open(classes, false, List.of(), seed);
    }
}

package dev.gatun.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --test} and {@code --test-split}, as a picocli mixin: where a CSV run's test set comes from. {@code train}
 * evaluates it; {@code tune} only keeps those rows out of its search, so that the settings it picks were never
 * chosen on the rows a later {@code train} with the same options and seed tests on.
 */
final class TestSetOptions {
    @Option(names = "--test", description = "With --label: a CSV test file of the same columns.")
    Path file;

    @Option(names = "--test-split", description = "With --label: this fraction of the CSV file's rows, drawn by the seed, is the test set.")
    Double split;

    boolean given() {
        return file != null || split != null;
    }
}

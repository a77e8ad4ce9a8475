package dev.gatun.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --data} and {@code --label}, as a picocli mixin: where labelled samples come from, an MNIST-format directory
 * or a CSV file with its label column. The training commands take it through {@link DataOptions}; {@code eval}
 * takes it alone.
 */
final class DataFileOptions {
    @Option(names = "--data", paramLabel = "<data>", description = "Directory with the four MNIST-format files, plain"
            + " or gzipped (default /usr/share/datasets/fashion-mnist), or a CSV file with --label.")
    Path path;

    @Option(names = "--label", description = "With --data FILE.csv: the label column, by its header name or its number (from 1).")
    String label;
}

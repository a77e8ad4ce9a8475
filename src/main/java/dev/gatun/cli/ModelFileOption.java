package dev.gatun.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --model}, as a picocli mixin: the saved model file that {@code eval}, {@code predict} and the serving
 * commands ({@link ServedModel}) read, named and described the same way in each.
 */
final class ModelFileOption {
    @Option(names = "--model", required = true, paramLabel = "<file>", description = "The model file.")
    Path path;
}

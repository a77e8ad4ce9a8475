package dev.gatun.cli;

import dev.gatun.serve.Predictor;
import dev.gatun.serve.RowWeights;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code --model} and {@code --row-weights}, as a picocli mixin: the model file a serving command loads into a
 * {@link Predictor}, and how the predictor stores weights for single-row calls.
 */
final class ServedModel {
    @Mixin
    ModelFileOption model;

    @Option(names = "--row-weights", defaultValue = "float32", converter = ServedModel.ParseRowWeights.class,
            description = "Weights of the single-row kernel: float32 (exact, default) or bfloat16 (half the bytes per "
                    + "call, weights rounded to 8 significant bits; batches of 8+ rows stay float32).")
    RowWeights rowWeights;

    /** The file {@code --model} names. */
    Path file() {
        return model.path;
    }

    /** A new predictor for the model file; the caller closes it. */
    Predictor load() throws IOException {
        return load(1);
    }

    /** As {@link #load()}, with {@code batchThreads} threads sharing each large batch call (Options.withBatchThreads). */
    Predictor load(int batchThreads) throws IOException {
        return Predictor.load(file(), Predictor.Options.defaults().withRowWeights(rowWeights)
                .withBatchThreads(batchThreads));
    }

    static final class ParseRowWeights implements picocli.CommandLine.ITypeConverter<RowWeights> {
        @Override
        public RowWeights convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "float32", "f32" -> RowWeights.FLOAT32;
                case "bfloat16", "bf16" -> RowWeights.BFLOAT16;
                // picocli's own conversion error: it prints this message as it is (a UsageException came out
                // wrapped, with its class name, in "cannot convert ... to RowWeights").
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "--row-weights must be float32 or bfloat16, got '" + UserText.cell(value) + "'");
            };
        }
    }
}

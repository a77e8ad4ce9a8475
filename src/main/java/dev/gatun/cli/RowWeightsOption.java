package dev.gatun.cli;

import dev.gatun.serve.Predictor;
import dev.gatun.serve.RowWeights;
import picocli.CommandLine.Option;

/** {@code --row-weights}: how a serving command's predictor stores weights for single-row calls. */
final class RowWeightsOption {
    @Option(names = "--row-weights", defaultValue = "float32", converter = RowWeightsOption.Parse.class,
            description = "Weights of the single-row kernel: float32 (exact, default) or bfloat16 (half the bytes per "
                    + "call, weights rounded to 8 significant bits; batches of 8+ rows stay float32).")
    RowWeights rowWeights;

    Predictor.Options options() {
        return Predictor.Options.defaults().withRowWeights(rowWeights);
    }

    static final class Parse implements picocli.CommandLine.ITypeConverter<RowWeights> {
        @Override
        public RowWeights convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "float32", "f32" -> RowWeights.FLOAT32;
                case "bfloat16", "bf16" -> RowWeights.BFLOAT16;
                default -> throw new UsageException("--row-weights must be float32 or bfloat16, got '" + value + "'");
            };
        }
    }
}

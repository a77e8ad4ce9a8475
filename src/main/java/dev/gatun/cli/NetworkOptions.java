package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.kernels.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The architecture options commands share ({@code --layers --activation --init}), as a picocli mixin: every hidden
 * layer gets the activation, the output is softmax cross-entropy (binary cross-entropy for one output).
 */
final class NetworkOptions {
    @Option(names = "--layers", defaultValue = "784,256,128,10",
            description = "Layer widths from input to output (default ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--activation", defaultValue = "relu",
            description = "Hidden activation: relu, leaky_relu, tanh or sigmoid (default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--init", defaultValue = "he",
            description = "Weight init: he, xavier, glorot or random_small (default ${DEFAULT-VALUE}).")
    String init;

    /** The widths, checked: at least input and output, all positive. */
    int[] widths() {
        int[] widths;
        try {
            widths = Arrays.stream(layers.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--layers must be comma-separated widths such as 784,256,128,10, got '"
                    + layers + "'");
        }
        if (widths.length < 2 || Arrays.stream(widths).anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("--layers needs at least an input and an output width, all >= 1, got '"
                    + layers + "'");
        }
        return widths;
    }

    /** The builder for these options with the given init seed, not yet built. */
    Model.Builder builder(long seed) {
        int[] widths = widths();
        Activation hidden = parse(Activation.class, "--activation", activation,
                List.of(Activation.RELU, Activation.LEAKY_RELU, Activation.TANH, Activation.SIGMOID));
        Init weights = parse(Init.class, "--init", init, List.of(Init.HE, Init.XAVIER, Init.GLOROT, Init.RANDOM_SMALL));
        Model.Builder builder = Model.builder(widths[0]);
        for (int l = 1; l < widths.length - 1; l++) {
            builder.dense(widths[l], hidden);
        }
        int outputs = widths[widths.length - 1];
        return builder.output(outputs, outputs == 1 ? Loss.BINARY_CROSS_ENTROPY : Loss.SOFTMAX_CROSS_ENTROPY)
                .init(weights).seed(seed);
    }

    ModelSpec spec(long seed) {
        return builder(seed).spec();
    }

    /** The classes the output layer predicts: its width, or 2 for a single (binary) output. */
    int classes() {
        int[] widths = widths();
        return Math.max(2, widths[widths.length - 1]);
    }

    /** One line naming both numbers when the data does not fit the first or last width. */
    void requireFits(DataSet data) {
        int[] widths = widths();
        int outputs = widths[widths.length - 1];
        if (widths[0] != data.features()) {
            throw new IllegalArgumentException("--layers starts with " + widths[0] + " inputs but " + data.name()
                    + " has " + data.features() + " features per sample");
        }
        if (Math.max(2, outputs) != data.classes()) {
            throw new IllegalArgumentException("--layers ends with " + outputs + " outputs but " + data.name() + " has "
                    + data.classes() + " classes");
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String option, String value, List<E> allowed) {
        for (E e : allowed) {
            if (e.name().equalsIgnoreCase(value.strip().replace('-', '_'))) {
                return e;
            }
        }
        throw new IllegalArgumentException(option + " must be one of "
                + allowed.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + value + "'");
    }
}

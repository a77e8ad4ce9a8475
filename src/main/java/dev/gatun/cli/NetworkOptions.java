package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The architecture options commands share ({@code --layers --activation --init}), as a picocli mixin, and the one
 * place that parses them: hidden layers get the activation (or one each), the output is softmax cross-entropy
 * (binary cross-entropy for one output).
 */
final class NetworkOptions {
    /** The widths for images when --layers is not given. */
    static final String DEFAULT_LAYERS = "784,256,128,10";
    /** The hidden width of a CSV table's network when --layers is not given. */
    static final int DEFAULT_TABLE_HIDDEN = 64;

    @Option(names = "--layers",
            description = "Layer widths from input to output (default " + DEFAULT_LAYERS + "; for CSV data FEATURES,"
                    + DEFAULT_TABLE_HIDDEN + ",OUTPUTS).")
    String layers;

    @Option(names = "--activation", defaultValue = "relu",
            description = "Hidden activation, or one per hidden layer: relu, leaky-relu, tanh, sigmoid, identity "
                    + "(default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--init", defaultValue = "he",
            description = "Weight init: he, xavier, glorot, random-small or zeros (default ${DEFAULT-VALUE}).")
    String init;

    /** The widths, checked: at least input and output, all positive. */
    List<Integer> widths() {
        return parse(layers != null ? layers : DEFAULT_LAYERS);
    }

    /** The widths given, or a table's default: its features, one hidden layer, its outputs. */
    List<Integer> widthsFor(int inputs, int outputs) {
        return layers != null ? widths() : List.of(inputs, DEFAULT_TABLE_HIDDEN, outputs);
    }

    private static List<Integer> parse(String layers) {
        List<Integer> widths;
        try {
            widths = TrainConfig.parseInts("--layers", layers);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--layers must be comma-separated widths such as 784,256,128,10, got '"
                    + layers + "'");
        }
        if (widths.size() < 2 || widths.stream().anyMatch(w -> w < 1)) {
            throw new UsageException("--layers needs at least an input and an output width, all >= 1, got '"
                    + layers + "'");
        }
        return widths;
    }

    List<Activation> activations() {
        return TrainConfig.parseActivations(activation);
    }

    Init weightInit() {
        return TrainConfig.parseEnum(Init.class, "--init", init);
    }

    /** The builder for these options over {@code widths} (the options' or a table's) with the given init seed, not yet built. */
    Model.Builder builder(List<Integer> widths, long seed) {
        List<Activation> hidden = activations();
        if (hidden.size() != 1 && hidden.size() != widths.size() - 2) {
            throw new UsageException("--activation takes one activation or one per hidden layer ("
                    + (widths.size() - 2) + "), got " + hidden.size());
        }
        Model.Builder builder = Model.builder(widths.getFirst());
        for (int l = 1; l < widths.size() - 1; l++) {
            builder.dense(widths.get(l), hidden.get(hidden.size() == 1 ? 0 : l - 1));
        }
        return builder.output(widths.getLast(), outputLoss(widths.getLast())).init(weightInit()).seed(seed);
    }

    ModelSpec spec(List<Integer> widths, long seed) {
        return builder(widths, seed).spec();
    }

    /** The widths as text, for reports: 784,256,128,10. */
    static String text(List<Integer> widths) {
        return String.join(",", widths.stream().map(String::valueOf).toList());
    }

    /** The classes the output layer predicts: its width, or 2 for a single (binary) output. */
    int classes() {
        return classes(widths().getLast());
    }

    static Loss outputLoss(int outputs) {
        return outputs == 1 ? Loss.BINARY_CROSS_ENTROPY : Loss.SOFTMAX_CROSS_ENTROPY;
    }

    static int classes(int outputs) {
        return outputLoss(outputs).classes(outputs);
    }

    /** As {@link #requireFits(int, int, DataSet)} for regression: one output per real-valued target. */
    static void requireFitsTargets(int inputs, int outputs, DataSet data) {
        requireInputs(inputs, data);
        if (outputs != data.targetWidth()) {
            throw new IllegalArgumentException("--layers ends with " + outputs + " outputs but " + data.name() + " has "
                    + data.targetWidth() + " target column" + (data.targetWidth() == 1 ? "" : "s"));
        }
    }

    private static void requireInputs(int inputs, DataSet data) {
        if (inputs != data.features()) {
            throw new IllegalArgumentException("--layers starts with " + inputs + " inputs but " + data.name()
                    + " has " + data.features() + " features per sample");
        }
    }

    /** One line naming both numbers when the data does not fit the first or last width. */
    static void requireFits(int inputs, int outputs, DataSet data) {
        requireInputs(inputs, data);
        if (data.classes() < 2) {   // else "--layers ends with 1 outputs but it has 1 classes", with no --layers given
            throw new IllegalArgumentException(data.name() + " holds " + data.classes() + " class: a classifier needs"
                    + " at least two (is the label column the right one?)");
        }
        if (classes(outputs) != data.classes()) {
            throw new IllegalArgumentException("--layers ends with " + outputs + " outputs but " + data.name() + " has "
                    + data.classes() + " classes");
        }
    }
}

package dev.gatun.cli;

import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.ModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code gatun inspect}: what a model file holds, read and validated in full but without building the model: its
 * architecture, parameter count, normalisation, and the metadata written with it (Gatun version, creation time,
 * class and feature names, training configuration and results).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a model file holds: architecture, parameters, normalisation, classes, the Gatun "
                + "version and time that wrote it, its training configuration and results.")
final class InspectCommand extends JsonReportingCommand {
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,30}");
    /** What {@link Double#toString} writes, and plain decimals; possessive, as the serve example's, so a long run of
     * digits in a metadata value fails in one pass instead of being split every way. */
    private static final Pattern DECIMAL = Pattern.compile("-?+(\\d++\\.?+\\d*+|\\.\\d++)([eE][-+]?+\\d++)?+|NaN|-?+Infinity");

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model (or checkpoint) file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        ModelIo.Description d = ModelIo.describe(file);
        ModelMetadata meta = d.metadata();
        ModelSpec spec = d.spec();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("file", file.toString());
        facts.put("bytes", Files.size(file));
        facts.put("kind", d.checkpoint() ? "checkpoint" : "model");
        facts.put("layers", spec.widths());
        facts.put("activations", activations(spec));
        facts.put("batchnorm", spec.hidden().stream().map(LayerSpec::batchNorm).toList());
        facts.put("loss", spec.loss().name().toLowerCase(Locale.ROOT));
        facts.put("dtype", d.dtype().name().toLowerCase(Locale.ROOT));
        facts.put("parameters", d.parameters());
        facts.put("normalization", d.normalization().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        facts.put("features", meta.features());
        facts.put("feature_names", meta.featureNames());
        facts.put("classes", meta.classNames());
        facts.put("gatun_version", meta.gatunVersion().orElse(null));
        facts.put("created", meta.created().map(Object::toString).orElse(null));
        facts.put("training", training(meta.training()));
        facts.put("metrics", typed(meta.metrics()));
        printText(facts);
        json.print(facts);
        return 0;
    }

    /**
     * The training configuration in the form {@code train --json} reports it as {@code config} (numbers, lists,
     * switches); one that is not gatun train's whole configuration (another trainer's) value by value, as
     * {@link #typed(String)} reads each.
     */
    static Map<String, Object> training(Map<String, String> stored) {
        Map<String, Object> typed = new LinkedHashMap<>();
        try {
            typed.putAll(TrainConfig.fromMap(stored).toJson());
        } catch (IllegalArgumentException e) {
            // Not gatun train's configuration: each value on its own, below.
        }
        stored.forEach((key, value) -> typed.putIfAbsent(key, typed(value)));
        return typed;
    }

    private static Map<String, Object> typed(Map<String, String> stored) {
        Map<String, Object> typed = new LinkedHashMap<>();
        stored.forEach((key, value) -> typed.put(key, typed(value)));
        return typed;
    }

    /**
     * A stored value as JSON: a number or switch as itself (NaN as null), anything else as text. A whole number
     * beyond a long (a 20-digit id) stays text: as a double it would lose its last digits.
     */
    static Object typed(String value) {
        if (INTEGER.matcher(value).matches()) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException beyondLong) {
                return value;
            }
        }
        if (DECIMAL.matcher(value).matches()) {
            return Double.parseDouble(value);
        }
        return value.equals("true") || value.equals("false") ? Boolean.parseBoolean(value) : value;
    }

    /** Each hidden layer's activation, then the output's (fixed by the loss). */
    private static List<String> activations(ModelSpec spec) {
        List<String> names = new ArrayList<>();
        spec.hidden().forEach(h -> names.add(h.activation().name().toLowerCase(Locale.ROOT)));
        names.add(switch (spec.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> "softmax";
            case BINARY_CROSS_ENTROPY -> "sigmoid";
            case MSE -> "linear";
        });
        return names;
    }

    private static void printText(Map<String, Object> facts) {
        facts.forEach((key, value) -> {
            String text = switch (value) {
                case null -> "(not recorded)";
                case List<?> list when list.isEmpty() -> "(not recorded)";
                case Map<?, ?> map when map.isEmpty() -> "(not recorded)";
                case List<?> list -> list.size() + ": " + String.join(", ", list.stream().map(String::valueOf).toList());
                default -> String.valueOf(value);
            };
            System.out.printf("%-14s %s%n", key, UserText.safe(text, UserText.LINE_LIMIT));
        });
    }
}

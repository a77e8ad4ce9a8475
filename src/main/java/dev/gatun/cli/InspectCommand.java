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

/**
 * {@code gatun inspect}: what a model file holds, read and validated in full but without building the model: its
 * architecture, parameter count, normalisation, and the metadata written with it (Gatun version, creation time,
 * class and feature names, training configuration and results).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a model file holds: architecture, parameters, normalisation, classes, the Gatun "
                + "version and time that wrote it, its training configuration and results.")
final class InspectCommand extends JsonReportingCommand {
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
        facts.put("training", meta.training());
        facts.put("metrics", meta.metrics());
        printText(facts);
        json.print(facts);
        return 0;
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

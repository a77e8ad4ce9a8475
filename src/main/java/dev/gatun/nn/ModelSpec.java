package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything needed to rebuild a model's architecture and its initial weights: input width, hidden layers, the
 * output layer (width and loss, which fixes its activation), initializer, regularization and seed. Model files
 * store it as the flat key/value map of {@link #toMap()}; {@link #fromMap} validates such a map and says which
 * key is wrong.
 */
public record ModelSpec(int inputs, List<LayerSpec> hidden, int outputs, Loss loss, Init init,
                        Regularization regularization, long seed) {
    public ModelSpec {
        if (inputs <= 0) {
            throw new IllegalArgumentException("a model needs at least one input, got " + inputs);
        }
        if (outputs <= 0) {
            throw new IllegalArgumentException("a model needs at least one output, got " + outputs);
        }
        if (loss == null || init == null || regularization == null || hidden == null) {
            throw new IllegalArgumentException("model spec: loss, init, regularization and hidden layers must not be null");
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && outputs < 2) {
            throw new IllegalArgumentException("softmax cross-entropy needs at least 2 outputs (classes), got " + outputs
                    + "; use BINARY_CROSS_ENTROPY for one");
        }
        hidden = List.copyOf(hidden);
    }

    public Model build(Arena arena, DType dtype) {
        return Model.build(this, dtype, arena);
    }

    /** Layer widths from input to output: {@code [784, 256, 128, 10]}. */
    public List<Integer> widths() {
        List<Integer> widths = new ArrayList<>();
        widths.add(inputs);
        hidden.forEach(h -> widths.add(h.units()));
        widths.add(outputs);
        return widths;
    }

    /** The spec as text key/values; hidden layers as {@code units:ACTIVATION:keepProb:bn|-}, comma separated. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("inputs", Integer.toString(inputs));
        map.put("hidden", hidden.stream()
                .map(h -> h.units() + ":" + h.activation() + ":" + h.keepProb() + ":" + (h.batchNorm() ? "bn" : "-"))
                .collect(Collectors.joining(",")));
        map.put("outputs", Integer.toString(outputs));
        map.put("loss", loss.name());
        map.put("init", init.name());
        map.put("regularization", regularization.kind().name());
        map.put("lambda", Double.toString(regularization.lambda()));
        map.put("seed", Long.toString(seed));
        return map;
    }

    public static ModelSpec fromMap(Map<String, String> map) {
        List<LayerSpec> hidden = new ArrayList<>();
        String layers = field(map, "hidden");
        if (!layers.isBlank()) {
            for (String layer : layers.split(",")) {
                String[] parts = layer.split(":");
                if (parts.length != 4 || !(parts[3].equals("bn") || parts[3].equals("-"))) {
                    throw new IllegalArgumentException("model spec field 'hidden': layer '" + layer
                            + "' is not units:ACTIVATION:keepProb:bn|-");
                }
                hidden.add(new LayerSpec(parseInt("hidden", parts[0]), parseEnum(Activation.class, "hidden", parts[1]),
                        parseDouble("hidden", parts[2]), parts[3].equals("bn")));
            }
        }
        Regularization.Kind kind = parseEnum(Regularization.Kind.class, "regularization", field(map, "regularization"));
        return new ModelSpec(parseInt("inputs", field(map, "inputs")), hidden, parseInt("outputs", field(map, "outputs")),
                parseEnum(Loss.class, "loss", field(map, "loss")), parseEnum(Init.class, "init", field(map, "init")),
                new Regularization(kind, parseDouble("lambda", field(map, "lambda"))),
                parseLong("seed", field(map, "seed")));
    }

    private static String field(Map<String, String> map, String key) {
        String value = map.get(key);
        if (value == null) {
            throw new IllegalArgumentException("model spec: field '" + key + "' is missing");
        }
        return value.strip();
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model spec field '" + key + "': '" + value + "' is not an integer");
        }
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model spec field '" + key + "': '" + value + "' is not an integer");
        }
    }

    private static double parseDouble(String key, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model spec field '" + key + "': '" + value + "' is not a number");
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model spec field '" + key + "': '" + value + "' is not one of "
                    + List.of(type.getEnumConstants()));
        }
    }
}

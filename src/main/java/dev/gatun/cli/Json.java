package dev.gatun.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the one JSON object that ends {@code --json} output. Flat values, lists and nested maps only;
 * the CLI emits JSON and never parses it, so a dependency would buy nothing.
 */
final class Json {
    private Json() {}

    static String object(Map<String, ?> fields) {
        return fields.entrySet().stream()
                .map(e -> string(e.getKey()) + ":" + value(e.getValue()))
                .collect(Collectors.joining(",", "{", "}"));
    }

    /**
     * A record as a JSON object's fields: its components in declaration order, each under its name in snake_case
     * ({@code trainLoss} becomes {@code train_loss}), so a report record and its JSON keys cannot drift apart.
     */
    static Map<String, Object> fields(Record record) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Component component : COMPONENTS.get(record.getClass())) {
            try {
                fields.put(component.key(), component.accessor().invoke(record));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component.key() + " of " + record, e);
            }
        }
        return fields;
    }

    /** A record component's JSON key and accessor. */
    private record Component(String key, Method accessor) {}

    /**
     * Each record class's components, looked up once: {@code getRecordComponents()} returns fresh accessor methods
     * every call, and each fresh method builds its reflective invoker anew (method handles, class generation),
     * which a checkpoint written after every epoch paid for its configuration and history each time.
     */
    private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
        @Override
        protected List<Component> computeValue(Class<?> type) {
            return java.util.Arrays.stream(type.getRecordComponents())
                    .map(c -> new Component(snakeCase(c.getName()), c.getAccessor())).toList();
        }
    };

    private static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, ?> fields = (Map<String, ?>) map;
            return object(fields);
        }
        if (v instanceof List<?> list) {
            return list.stream().map(Json::value).collect(Collectors.joining(",", "[", "]"));
        }
        if (v instanceof double[] array) {
            return java.util.Arrays.stream(array).mapToObj(Json::value).collect(Collectors.joining(",", "[", "]"));
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? d.toString() : "null";
        }
        if (v instanceof Float f) {
            return Float.isFinite(f) ? f.toString() : "null";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return string(v.toString());
    }

    static String string(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}

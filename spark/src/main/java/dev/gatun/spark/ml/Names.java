package dev.gatun.spark.ml;

import java.util.Arrays;
import java.util.Locale;

/** Enum constants from the lower-case, dashed names Spark users write ({@code leaky-relu}), with clear errors. */
final class Names {
    private Names() {}

    static <E extends Enum<E>> E parse(Class<E> type, String what, String name) {
        String constant = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E value : type.getEnumConstants()) {
            if (value.name().equals(constant)) {
                return value;
            }
        }
        throw new IllegalArgumentException(what + " '" + name + "': expected one of "
                + Arrays.stream(type.getEnumConstants()).map(Names::of).toList());
    }

    static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

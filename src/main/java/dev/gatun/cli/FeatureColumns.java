package dev.gatun.cli;

import java.util.List;

/**
 * A model reads its inputs by position. When both the model and a file name their feature columns, the names must be
 * the same in the same order: a file whose columns were swapped would otherwise be scored as if they were not, with
 * no error and a wrong answer.
 */
final class FeatureColumns {
    private FeatureColumns() {
    }

    /**
     * Refuses {@code found} (the columns {@code source} names) unless it equals {@code trained} (those {@code model}
     * was trained on); either list empty means no names to compare.
     */
    static void requireSame(String model, List<String> trained, String source, List<String> found) {
        if (trained.isEmpty() || found.isEmpty() || trained.equals(found)) {
            return;
        }
        String hint = sorted(trained).equals(sorted(found))
                ? " (the same names in another order: put the columns in the model's order)" : "";
        throw new IllegalArgumentException(source + " has the feature columns '" + names(found) + "' but " + model
                + " was trained on '" + names(trained) + "'" + hint);
    }

    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    private static String names(List<String> columns) {
        return UserText.safe(String.join(", ", columns), UserText.CELL_LIMIT * 4);
    }
}

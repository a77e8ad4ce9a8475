package dev.gatun.tune;

import java.util.List;
import java.util.Optional;

/** Every trial in the order they were drawn (coarse, then fine), and the space each phase drew from. */
public record SearchResult(List<Trial> trials, SearchSpace coarse, SearchSpace fine) {
    public SearchResult {
        trials = List.copyOf(trials);
    }

    /** The trials best first ({@link Trial#BEST_FIRST}). */
    public List<Trial> ranked() {
        return trials.stream().sorted(Trial.BEST_FIRST).toList();
    }

    /** The trial with the best dev accuracy, if any finished an epoch. */
    public Optional<Trial> best() {
        return ranked().stream().filter(Trial::finished).findFirst();
    }
}

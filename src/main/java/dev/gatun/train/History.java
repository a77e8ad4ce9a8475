package dev.gatun.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Per-epoch figures of one training run, in order; what plots, JSON output and early stopping read. */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();

    public void add(EpochStats stats) {
        epochs.add(stats);
    }

    public List<EpochStats> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public boolean isEmpty() {
        return epochs.isEmpty();
    }

    public EpochStats last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("the history is empty: no epoch has finished");
        }
        return epochs.getLast();
    }

    public int size() {
        return epochs.size();
    }
}

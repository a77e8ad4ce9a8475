package dev.gatun.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Per-epoch figures of one training run, in order; what plots, JSON output and early stopping read. */
public final class History {
    private static final String START = "start:";
    private static final String SMOOTHED = "smoothed:";
    private final List<EpochStats> epochs = new ArrayList<>();
    /** The run's first mini-batch loss; NaN before its first step, or read from a checkpoint that did not keep it. */
    private double startingLoss = Double.NaN;
    private double smoothedLoss = Double.NaN;

    /**
     * The loss the run's explosion check compares with (its first mini-batch's). Kept with the epochs, so that a
     * resumed run compares with the same loss as an uninterrupted one: compared with its own first batch, often a
     * hundred times smaller late in training, ordinary batch noise read as an explosion.
     */
    public double startingLoss() {
        return startingLoss;
    }

    void startingLoss(double loss) {
        this.startingLoss = loss;
    }

    /**
     * The explosion check's smoothed batch loss at the end of the last epoch; NaN when unknown. Kept for the same
     * reason as the starting loss: a resumed run that started its average again from its first batch alone compared
     * that one batch with the limit, and an unlucky one stopped a healthy run.
     */
    public double smoothedLoss() {
        return smoothedLoss;
    }

    void smoothedLoss(double loss) {
        this.smoothedLoss = loss;
    }

    /**
     * Appends the next epoch's figures: epochs are numbered 1, 2, ... in order, as {@link #decode} requires. Early
     * stopping counts from these numbers: a history that started at epoch 100 would never stop a resumed run.
     */
    public void add(EpochStats stats) {
        if (stats == null || stats.epoch() != epochs.size() + 1) {
            throw new IllegalArgumentException("a history numbers its epochs 1, 2, ... in order: epoch "
                    + (epochs.size() + 1) + " comes next, got " + (stats == null ? "null" : "epoch " + stats.epoch()));
        }
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

    /**
     * The first epoch with the lowest dev loss, as early stopping counts it (a NaN dev loss is never the lowest), or
     * null when no epoch has a finite one.
     */
    public EpochStats lowestDevLoss() {
        EpochStats best = null;
        for (EpochStats e : epochs) {
            if (e.devLoss() < (best == null ? Double.POSITIVE_INFINITY : best.devLoss())) {
                best = e;
            }
        }
        return best;
    }

    /**
     * Exact text form (every double prints so it parses back to the same bits): the starting loss and the smoothed
     * loss when known ({@code start:x}, {@code smoothed:x}), then one epoch per ';'. For checkpoints.
     */
    public String encode() {
        StringBuilder text = new StringBuilder();
        if (!Double.isNaN(startingLoss)) {
            text.append(START).append(startingLoss);
        }
        if (!Double.isNaN(smoothedLoss)) {
            text.append(text.isEmpty() ? "" : ";").append(SMOOTHED).append(smoothedLoss);
        }
        for (EpochStats e : epochs) {
            if (!text.isEmpty()) {
                text.append(';');
            }
            text.append(e.epoch()).append(',').append(e.trainLoss()).append(',').append(e.trainAccuracy()).append(',')
                    .append(e.devLoss()).append(',').append(e.devAccuracy()).append(',').append(e.learningRate())
                    .append(',').append(e.samplesPerSecond()).append(',').append(e.seconds());
        }
        return text.toString();
    }

    /** Parses {@link #encode()}'s form; epochs must be numbered 1, 2, ... in order. */
    public static History decode(String text) {
        History history = new History();
        if (text == null || text.isBlank()) {
            return history;
        }
        for (String record : text.split(";")) {
            if (record.startsWith(START) && history.isEmpty() && Double.isNaN(history.startingLoss)) {
                history.startingLoss = number(record, START);
                continue;
            }
            if (record.startsWith(SMOOTHED) && history.isEmpty() && Double.isNaN(history.smoothedLoss)) {
                history.smoothedLoss = number(record, SMOOTHED);
                continue;
            }
            String[] f = record.split(",");
            try {
                if (f.length != 8) {
                    throw new NumberFormatException("8 fields expected, found " + f.length);
                }
                int epoch = Integer.parseInt(f[0]);
                if (epoch != history.size() + 1) {
                    throw new NumberFormatException("epoch " + (history.size() + 1) + " expected, found " + epoch);
                }
                history.add(new EpochStats(epoch, Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                        Double.parseDouble(f[6]), Double.parseDouble(f[7])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed training history record '" + record + "': " + e.getMessage());
            }
        }
        return history;
    }

    private static double number(String record, String prefix) {
        try {
            return Double.parseDouble(record.substring(prefix.length()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed training history record '" + record + "'");
        }
    }
}

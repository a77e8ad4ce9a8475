package dev.gatun.tune;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A search interval in log10 space, {@code [low, high]}: a hyperparameter drawn from it is {@code 10^U(low, high)}
 * (or {@code 1 − 10^U(low, high)} for a β), so every decade gets the same share of trials:
 * between 1e-4 and 1e-1 a uniform draw would put 90% of the trials in the last decade.
 */
public record LogRange(double low, double high) {
    public LogRange {
        if (!Double.isFinite(low) || !Double.isFinite(high) || low > high) {
            throw new IllegalArgumentException("a log10 range needs finite low <= high, got [" + low + ", " + high + "]");
        }
    }

    /** Parses {@code "-4,-1"} (log10 bounds), naming {@code option} in the error. */
    public static LogRange parse(String option, String text) {
        String[] parts = text.split(",");
        try {
            if (parts.length == 2) {
                double a = Double.parseDouble(parts[0].strip());
                double b = Double.parseDouble(parts[1].strip());
                if (Double.isFinite(a) && Double.isFinite(b) && a <= b) {
                    return new LogRange(a, b);
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the one message below
        }
        throw new IllegalArgumentException(option + " must be two log10 bounds 'low,high' with low <= high (e.g. -4,-1),"
                + " got '" + text + "'");
    }

    /** One log10 value, uniform in the range. */
    public double sample(RandomGenerator random) {
        return low + (high - low) * random.nextDouble();
    }

    public double width() {
        return high - low;
    }

    public boolean contains(double log10) {
        return log10 >= low && log10 <= high;
    }

    /**
     * The fine phase's range: from the smallest to the largest of {@code log10s} (the best trials' values), widened
     * on each side by {@code margin} of this range's width, and kept inside this range.
     */
    public LogRange around(List<Double> log10s, double margin) {
        if (log10s.isEmpty()) {
            return this;
        }
        double min = log10s.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = log10s.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double pad = margin * width();
        return new LogRange(Math.max(low, min - pad), Math.min(high, max + pad));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "[%.3g, %.3g]", low, high);
    }
}

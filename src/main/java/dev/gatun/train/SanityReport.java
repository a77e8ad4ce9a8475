package dev.gatun.train;

import java.util.List;

/**
 * The four sanity checks in the order they run, and the learning rates the sweep found usable (NaN when none
 * was): from the smallest to the largest rate that lowered the loss clearly without exploding.
 */
public record SanityReport(List<SanityCheck> checks, double usableRateLow, double usableRateHigh) {
    public SanityReport {
        checks = List.copyOf(checks);
    }

    public boolean passed() {
        return checks.stream().allMatch(SanityCheck::passed);
    }
}

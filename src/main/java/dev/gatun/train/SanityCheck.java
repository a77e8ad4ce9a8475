package dev.gatun.train;

import java.util.Map;

/**
 * One row of the sanity-check table: what was checked, whether it passed, what was measured (as text, and as
 * named numbers for machines) and the rule it was held to.
 */
public record SanityCheck(String name, boolean passed, String measured, String expected, Map<String, Double> values) {
    public SanityCheck {
        values = Map.copyOf(values);
    }
}

package dev.gatun.train;

/**
 * Whether a replica zeroes its gradients before its pass overwrites them, decided by timing the steps both ways.
 *
 * <p>Why zero what the pass overwrites: after an update, the other cores have read their ranges of every replica's
 * gradient, so those cache lines are shared, and the pass's writes must take them back. Where the cores share no
 * cache (the 2-vCPU Zen 2 of BENCHMARKS.md, most of the time), the sgemm calls that write the gradients then stall
 * on each line in turn, and one fill that takes them all back first, many lines in flight, made a 64-row replica's
 * steps 8–12% faster. Where the cores share their last-level cache (the same VM at other times, the Zen 5), the
 * lines come back cheaply and the fill is an extra pass over the gradients: about 3% slower. The VM moves between
 * the two while it runs, and nothing in the guest says which it is in, so the steps are timed: {@link #TRIAL_STEPS}
 * steps each way, twice, then the faster way for {@link #KEEP_STEPS} steps, then a new trial. The choice changes no
 * result: the pass writes every element either way.
 *
 * <p>{@code -Dgatun.step.claimGradients=true} or {@code false} fixes the choice (for A/B runs). Not thread-safe: the
 * training thread alone calls it. Allocates nothing.
 */
final class GradientClaim {
    static final String PROPERTY = "gatun.step.claimGradients";
    /** Steps timed one way before switching; four such runs (on, off, on, off) make a trial. */
    static final int TRIAL_STEPS = 32;
    /**
     * Steps run the chosen way between trials: short enough that a trial misled by the JIT's first epoch is soon
     * redone, long enough that the trials' slower half costs under 1% of the steps.
     */
    static final int KEEP_STEPS = 1024;
    private static final int TRIAL_RUNS = 4;

    private final Boolean fixed;
    private long step;
    private boolean claim;
    private final long[] trialNanos = new long[2];

    GradientClaim() {
        this(System.getProperty(PROPERTY));
    }

    /** {@code setting}: "true" or "false" fixes the choice, anything else (null included) times both. */
    GradientClaim(String setting) {
        this.fixed = "true".equals(setting) ? Boolean.TRUE : "false".equals(setting) ? Boolean.FALSE : null;
        this.claim = fixed == null || fixed;
    }

    /** Whether this step's replicas zero their gradients first. */
    boolean claim() {
        return claim;
    }

    /** Records how long the step that {@link #claim()} was asked for took, and chooses the next step's way. */
    void stepTook(long nanos) {
        if (fixed != null) {
            return;
        }
        long cycle = TRIAL_STEPS * TRIAL_RUNS + KEEP_STEPS;
        long at = step++ % cycle;
        if (at < TRIAL_STEPS * TRIAL_RUNS) {
            trialNanos[claim ? 1 : 0] += nanos;
            long next = at + 1;
            if (next < TRIAL_STEPS * TRIAL_RUNS) {
                claim = (next / TRIAL_STEPS) % 2 == 0;   // on, off, on, off
            } else {
                claim = trialNanos[1] <= trialNanos[0];
                trialNanos[0] = 0;
                trialNanos[1] = 0;
            }
        } else if (at == cycle - 1) {
            claim = true;   // the next trial starts with the fill
        }
    }

    /** The fixed choice, or null when the steps are timed. */
    Boolean fixed() {
        return fixed;
    }
}

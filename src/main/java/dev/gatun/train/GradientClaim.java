package dev.gatun.train;

/**
 * Whether a replica zeroes its gradients before its pass overwrites them, decided by timing the steps both ways.
 *
 * <p>Why zero what the pass overwrites: after an update, the other cores have read their ranges of every replica's
 * gradient, so those cache lines are shared, and the pass's writes must take them back. Where the cores share no
 * cache, the sgemm calls that write the gradients then stall on each line in turn, and one fill that takes them all
 * back first, many lines in flight, is faster: on a 2-vCPU Zen 2 VM, batch 128 on two cores trained at 86–93k
 * samples/s with the fill against 71–79k without. Where the cores share their last-level cache (the same VM in
 * other runs) the lines come back cheaply and the fill is an extra pass: 107–119k against 108–124k (BENCHMARKS.md,
 * "Two replicas on cores that share no cache"). The VM moves between the two while it runs, and nothing in the
 * guest says which it is in, so the steps are timed: {@link #TRIAL_STEPS} steps each way in the order on, off, off,
 * on (so that a drift, such as the JIT's first epoch, favours neither), each run's slowest step left out (a
 * collection, an evaluation between epochs), then the faster way for {@link #KEEP_STEPS} steps, then a new trial.
 * The choice changes no result: the pass writes every element either way.
 *
 * <p>{@code -Dgatun.step.claimGradients=true} or {@code false} fixes the choice (for A/B runs). Not thread-safe: the
 * training thread alone calls it. Allocates nothing.
 */
final class GradientClaim {
    static final String PROPERTY = "gatun.step.claimGradients";
    /** Steps timed one way before switching; four such runs (on, off, off, on) make a trial. */
    static final int TRIAL_STEPS = 32;
    /**
     * Steps run the chosen way between trials: short enough that a trial misled by the JIT's first epoch is soon
     * redone, long enough that the trials' slower half costs under 1% of the steps.
     */
    static final int KEEP_STEPS = 1024;
    private static final int TRIAL_RUNS = 4;
    private static final int TRIAL = TRIAL_STEPS * TRIAL_RUNS;
    private static final long CYCLE = TRIAL + KEEP_STEPS;

    private final Boolean fixed;
    private long step;
    private boolean claim;
    private final long[] trialNanos = new long[2];
    private long runSlowest;

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
        long at = step++ % CYCLE;
        if (at < TRIAL) {
            int way = claim ? 1 : 0;
            trialNanos[way] += nanos;
            runSlowest = Math.max(runSlowest, nanos);
            long next = at + 1;
            if (next % TRIAL_STEPS == 0) {   // a run ends: its slowest step does not count
                trialNanos[way] -= runSlowest;
                runSlowest = 0;
            }
            if (next < TRIAL) {
                long run = next / TRIAL_STEPS;
                claim = run == 0 || run == TRIAL_RUNS - 1;   // on, off, off, on
            } else {
                claim = trialNanos[1] <= trialNanos[0];
                trialNanos[0] = 0;
                trialNanos[1] = 0;
            }
        } else if (at == CYCLE - 1) {
            claim = true;   // the next trial starts with the fill
        }
    }

    /** The fixed choice, or null when the steps are timed. */
    Boolean fixed() {
        return fixed;
    }
}

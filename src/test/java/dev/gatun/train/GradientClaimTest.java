package dev.gatun.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The choice of zeroing the replicas' gradients first: timed both ways, the faster kept, timed again later. */
class GradientClaimTest {
    private static final int TRIAL = GradientClaim.TRIAL_STEPS * 4;

    /** Runs {@code steps} steps that take {@code withClaim} ns when the gradients are zeroed first, else {@code without}. */
    private static void run(GradientClaim claim, int steps, long withClaim, long without) {
        for (int i = 0; i < steps; i++) {
            claim.stepTook(claim.claim() ? withClaim : without);
        }
    }

    @Test
    void aTrialTimesBothWaysInTurnAndKeepsTheFaster() {
        GradientClaim claim = new GradientClaim(null);
        assertNull(claim.fixed());
        int on = 0;
        for (int i = 0; i < TRIAL; i++) {
            boolean zeroing = claim.claim();
            int run = i / GradientClaim.TRIAL_STEPS;
            assertEquals(run == 0 || run == 3, zeroing, "step " + i + " of the trial: on, off, off, on");
            on += zeroing ? 1 : 0;
            claim.stepTook(zeroing ? 900 : 1_000);
        }
        assertEquals(TRIAL / 2, on, "half the trial each way");
        assertTrue(claim.claim(), "zeroing was faster");
        run(claim, GradientClaim.KEEP_STEPS - 1, 900, 1_000);
        assertTrue(claim.claim(), "kept until the next trial");

        GradientClaim slower = new GradientClaim(null);
        run(slower, TRIAL, 1_100, 1_000);
        assertFalse(slower.claim(), "zeroing was slower");
        run(slower, GradientClaim.KEEP_STEPS - 1, 1_100, 1_000);
        assertFalse(slower.claim(), "kept until the next trial");
    }

    /** One slow step (a collection, an evaluation between epochs) in a run is left out, and does not decide. */
    @Test
    void aRunsSlowestStepDoesNotDecide() {
        GradientClaim claim = new GradientClaim(null);
        for (int i = 0; i < TRIAL; i++) {
            boolean zeroing = claim.claim();
            claim.stepTook(zeroing ? (i == 5 ? 1_000_000 : 900) : 1_000);
        }
        assertTrue(claim.claim(), "zeroing was faster but for one step");
        // Slower in every step but one fast step per run: still slower.
        GradientClaim slower = new GradientClaim(null);
        for (int i = 0; i < TRIAL; i++) {
            boolean zeroing = slower.claim();
            slower.stepTook(zeroing ? (i % GradientClaim.TRIAL_STEPS == 0 ? 1 : 1_100) : 1_000);
        }
        assertFalse(slower.claim());
    }

    /** A steady drift (the JIT finishing its work) favours neither way: on, off, off, on. */
    @Test
    void aDriftFavoursNeitherWay() {
        GradientClaim claim = new GradientClaim(null);
        long slowerByStep = 10;
        long[] sums = new long[2];
        for (int i = 0; i < TRIAL; i++) {
            boolean zeroing = claim.claim();
            long nanos = 100_000 - slowerByStep * i;   // every step faster than the one before, either way
            sums[zeroing ? 1 : 0] += nanos;
            claim.stepTook(nanos);
        }
        assertEquals(sums[0], sums[1], "the two ways saw the same drift");
    }

    @Test
    void theChoiceIsTimedAgainWhenTheMachineChanges() {
        GradientClaim claim = new GradientClaim(null);
        run(claim, TRIAL + GradientClaim.KEEP_STEPS, 1_100, 1_000);
        assertTrue(claim.claim(), "a new trial starts with the zeroing");
        // The machine now favours zeroing (its cores no longer share a cache).
        run(claim, TRIAL, 800, 1_000);
        assertTrue(claim.claim());
        run(claim, GradientClaim.KEEP_STEPS, 800, 1_000);
        run(claim, TRIAL, 1_200, 1_000);
        assertFalse(claim.claim(), "and back");
    }

    @Test
    void aPropertyFixesTheChoice() {
        for (String setting : new String[] {"true", "false"}) {
            GradientClaim claim = new GradientClaim(setting);
            boolean expected = Boolean.parseBoolean(setting);
            assertEquals(expected, claim.fixed());
            for (int i = 0; i < TRIAL + 10; i++) {
                assertEquals(expected, claim.claim(), setting + ", step " + i);
                claim.stepTook(claim.claim() ? 2_000 : 1);
            }
        }
    }
}

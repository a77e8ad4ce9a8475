package dev.gatun.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateScheduleTest {
    private static final double A0 = 0.2;

    @Test
    void inverseTimeReproducesTheCoursesTable() {
        // α₀ = 0.2, decay rate 1: epoch 1 → 0.1, 2 → 0.067, 3 → 0.05, 4 → 0.04.
        LearningRateSchedule schedule = LearningRateSchedule.inverseTime(A0, 1);
        assertEquals(0.1, schedule.rate(1), 1e-15);
        assertEquals(0.2 / 3, schedule.rate(2), 1e-15);
        assertEquals(0.05, schedule.rate(3), 1e-15);
        assertEquals(0.04, schedule.rate(4), 1e-15);
    }

    @Test
    void eachFormulaOverTheFirstTwentyNumbers() {
        LearningRateSchedule constant = LearningRateSchedule.constant(A0);
        LearningRateSchedule inverseTime = LearningRateSchedule.inverseTime(A0, 0.3);
        LearningRateSchedule exponential = LearningRateSchedule.exponential(A0, 0.95);
        LearningRateSchedule inverseSqrt = LearningRateSchedule.inverseSqrt(A0, 0.5);
        for (int n = 1; n <= 20; n++) {
            assertEquals(A0, constant.rate(n), 0.0);
            assertEquals(A0 / (1 + 0.3 * n), inverseTime.rate(n), 1e-15);
            double power = 1;
            for (int i = 0; i < n; i++) {
                power *= 0.95;
            }
            assertEquals(A0 * power, exponential.rate(n), 1e-15);
            assertEquals(A0 * 0.5 / Math.sqrt(n), inverseSqrt.rate(n), 1e-15);
        }
    }

    @Test
    void staircaseHoldsAlpha0ForTheFirstIntervalThenStepsDown() {
        LearningRateSchedule stairs = LearningRateSchedule.staircase(A0, 0.5, 3);
        double[] expected = {0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
        for (int n = 1; n <= expected.length; n++) {
            assertEquals(expected[n - 1], stairs.rate(n), 1e-15, "epoch " + n);
        }
    }

    @Test
    void perEpochOrPerStepPicksTheCounter() {
        LearningRateSchedule perEpoch = LearningRateSchedule.inverseTime(A0, 1);
        LearningRateSchedule perStep = perEpoch.perStep();
        assertEquals(LearningRateSchedule.Unit.EPOCH, perEpoch.unit());
        assertEquals(LearningRateSchedule.Unit.STEP, perStep.unit());
        assertEquals(A0 / 3, perEpoch.rate(2, 500), 1e-15);
        assertEquals(A0 / 501, perStep.rate(2, 500), 1e-15);
        assertEquals(LearningRateSchedule.Unit.EPOCH, perStep.perEpoch().unit());
        assertEquals(A0, perStep.initialRate());
        assertTrue(perStep.toString().contains("step"), perStep.toString());
    }

    @Test
    void badArgumentsAreRejectedByName() {
        assertMessage(() -> LearningRateSchedule.constant(0), "α₀ must be finite and > 0, got 0.0");
        assertMessage(() -> LearningRateSchedule.constant(Double.NaN), "α₀ must be finite and > 0, got NaN");
        assertMessage(() -> LearningRateSchedule.inverseTime(-0.1, 1), "α₀");
        assertMessage(() -> LearningRateSchedule.inverseTime(A0, -1), "decay rate must be finite and >= 0, got -1.0");
        assertMessage(() -> LearningRateSchedule.inverseTime(A0, Double.POSITIVE_INFINITY), "decay rate");
        assertMessage(() -> LearningRateSchedule.exponential(A0, 1.1), "base r must be in (0, 1]");
        assertMessage(() -> LearningRateSchedule.exponential(A0, 0), "base r must be in (0, 1]");
        assertMessage(() -> LearningRateSchedule.inverseSqrt(A0, 0), "constant k must be finite and > 0");
        assertMessage(() -> LearningRateSchedule.inverseSqrt(10, 1e308), "starts at α₀·k = 10.0·1.0E308, which overflows");
        assertMessage(() -> LearningRateSchedule.inverseSqrt(10, 1e38), "which overflows float32");
        assertMessage(() -> LearningRateSchedule.staircase(A0, 0.5, 0), "'every' must be >= 1, got 0");
        assertMessage(() -> LearningRateSchedule.staircase(A0, Double.NaN, 2), "staircase factor must be in (0, 1]");
        assertMessage(() -> LearningRateSchedule.constant(A0).rate(0), "epoch number must be >= 1 (1 is the first), got 0");
        assertMessage(() -> LearningRateSchedule.constant(A0).perStep().rate(1, -3), "step number must be >= 1");
    }

    @Test
    void parseReadsEveryWrittenFormAndNamesWhatIsWrong() {
        assertEquals(A0, LearningRateSchedule.parse(A0, "none", false).rate(7), 0.0);
        assertEquals(A0, LearningRateSchedule.parse(A0, " Constant ", false).rate(7), 0.0);
        assertEquals(A0 / (1 + 0.5 * 3), LearningRateSchedule.parse(A0, "inverse-time:0.5", false).rate(3), 1e-15);
        assertEquals(A0 * Math.pow(0.9, 4), LearningRateSchedule.parse(A0, "exponential:0.9", false).rate(4), 1e-15);
        assertEquals(A0 * 2 / Math.sqrt(9), LearningRateSchedule.parse(A0, "inverse-sqrt:2", false).rate(9), 1e-15);
        assertEquals(A0 * 0.25, LearningRateSchedule.parse(A0, "staircase:0.5:3", false).rate(7), 1e-15);
        LearningRateSchedule perStep = LearningRateSchedule.parse(A0, "exponential:0.9", true);
        assertEquals(LearningRateSchedule.Unit.STEP, perStep.unit());
        assertEquals(perStep.rate(50), perStep.rate(2, 50), 0.0);
        assertEquals(LearningRateSchedule.Unit.EPOCH, LearningRateSchedule.parse(A0, "exponential:0.9", false).unit());

        assertMessage(() -> LearningRateSchedule.parse(A0, "exponential", false), "'exponential' is malformed");
        assertMessage(() -> LearningRateSchedule.parse(A0, "staircase:0.5", false), "'staircase:0.5' is malformed");
        assertMessage(() -> LearningRateSchedule.parse(A0, "exponential:x", false), "'exponential:x' is malformed");
        assertMessage(() -> LearningRateSchedule.parse(A0, "cosine:1", false), "'cosine:1': unknown schedule 'cosine'");
        assertMessage(() -> LearningRateSchedule.parse(A0, "exponential:2", false), "'exponential:2': exponential decay base r");
        assertMessage(() -> LearningRateSchedule.parse(A0, null, false), "decay is null");
    }

    private static void assertMessage(Runnable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }
}

package dev.gatun.optim;

import java.io.Serializable;
import java.util.Locale;

/**
 * Learning-rate decay: the rate as a function of the epoch number, or of the mini-batch (step)
 * number when the schedule is made {@link #perStep()}.
 *
 * <p>Numbers start at 1 (for {@code α₀ = 0.2}, {@code k = 1} inverse-time decay gives epoch 1 → 0.1,
 * epoch 2 → 0.067): {@link #rate(long) rate(1)} is the rate of the first epoch (or step), and
 * {@code α₀·k/√epoch} is defined from the first epoch on without clamping. The decaying formulas therefore
 * already decay in the first epoch, except the staircase, which keeps {@code α₀} for the first {@code every}
 * epochs. A trainer counting from 0 passes {@code epoch + 1}.
 *
 * <ul>
 *   <li>{@link #constant}: {@code α₀}</li>
 *   <li>{@link #inverseTime}: {@code α₀/(1 + k·n)}</li>
 *   <li>{@link #exponential}: {@code α₀·rⁿ}</li>
 *   <li>{@link #inverseSqrt}: {@code α₀·k/√n}</li>
 *   <li>{@link #staircase}: {@code α₀·factor^⌊(n−1)/every⌋}</li>
 * </ul>
 * Immutable (and serializable, so a cluster engine can ship it to its workers); every factory rejects a
 * non-finite or out-of-range argument naming it. {@link #parse} reads the written form the command line and the
 * Spark estimator take.
 */
public final class LearningRateSchedule implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What the number passed to {@link #rate(long)} counts. */
    public enum Unit {
        EPOCH, STEP
    }

    private enum Formula {
        CONSTANT, INVERSE_TIME, EXPONENTIAL, INVERSE_SQRT, STAIRCASE
    }

    private final Formula formula;
    private final double alpha0;
    private final double k;
    private final long every;
    private final Unit unit;

    private LearningRateSchedule(Formula formula, double alpha0, double k, long every, Unit unit) {
        this.formula = formula;
        this.alpha0 = alpha0;
        this.k = k;
        this.every = every;
        this.unit = unit;
    }

    /** {@code α₀} at every epoch. */
    public static LearningRateSchedule constant(double alpha0) {
        return new LearningRateSchedule(Formula.CONSTANT, requireAlpha0(alpha0), 0, 1, Unit.EPOCH);
    }

    /** {@code α₀/(1 + decayRate·n)}, decayRate finite and >= 0. */
    public static LearningRateSchedule inverseTime(double alpha0, double decayRate) {
        if (!(decayRate >= 0) || Double.isInfinite(decayRate)) {
            throw new IllegalArgumentException("inverse-time decay rate must be finite and >= 0, got " + decayRate);
        }
        return new LearningRateSchedule(Formula.INVERSE_TIME, requireAlpha0(alpha0), decayRate, 1, Unit.EPOCH);
    }

    /** {@code α₀·rⁿ}, r in (0, 1]. */
    public static LearningRateSchedule exponential(double alpha0, double r) {
        return new LearningRateSchedule(Formula.EXPONENTIAL, requireAlpha0(alpha0), requireFactor("exponential decay base r", r),
                1, Unit.EPOCH);
    }

    /** {@code α₀·k/√n}, k finite and > 0. */
    public static LearningRateSchedule inverseSqrt(double alpha0, double k) {
        if (!(k > 0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("inverse-square-root constant k must be finite and > 0, got " + k);
        }
        // The first rate, the only formula's that can exceed α₀: it must be a learning rate the optimizer takes.
        if (Float.isInfinite((float) (requireAlpha0(alpha0) * k))) {
            throw new IllegalArgumentException("inverse-square-root decay starts at α₀·k = " + alpha0 + "·" + k
                    + ", which overflows float32 to Infinity");
        }
        return new LearningRateSchedule(Formula.INVERSE_SQRT, alpha0, k, 1, Unit.EPOCH);
    }

    /** {@code α₀} for the first {@code every} epochs, then multiplied by {@code factor} (in (0, 1]) every {@code every}. */
    public static LearningRateSchedule staircase(double alpha0, double factor, long every) {
        if (every < 1) {
            throw new IllegalArgumentException("staircase interval 'every' must be >= 1, got " + every);
        }
        return new LearningRateSchedule(Formula.STAIRCASE, requireAlpha0(alpha0), requireFactor("staircase factor", factor),
                every, Unit.EPOCH);
    }

    /**
     * A schedule from its written form: {@code none} (or {@code constant}), {@code inverse-time:K},
     * {@code exponential:R}, {@code inverse-sqrt:K} or {@code staircase:FACTOR:EVERY}, starting at {@code alpha0},
     * counting epochs or, with {@code perStep}, steps.
     *
     * @throws IllegalArgumentException whose message starts with {@code decay} in quotes, when it is malformed or a
     *         value is out of range
     */
    public static LearningRateSchedule parse(double alpha0, String decay, boolean perStep) {
        if (decay == null) {
            throw new IllegalArgumentException("learning-rate decay is null: use none, inverse-time:K, exponential:R,"
                    + " inverse-sqrt:K or staircase:FACTOR:EVERY");
        }
        String[] parts = decay.strip().toLowerCase(Locale.ROOT).split(":");
        LearningRateSchedule s;
        try {
            s = switch (parts[0]) {
                case "none", "constant" -> constant(alpha0);
                case "inverse-time" -> inverseTime(alpha0, Double.parseDouble(parts[1]));
                case "exponential" -> exponential(alpha0, Double.parseDouble(parts[1]));
                case "inverse-sqrt" -> inverseSqrt(alpha0, Double.parseDouble(parts[1]));
                case "staircase" -> staircase(alpha0, Double.parseDouble(parts[1]), Long.parseLong(parts[2]));
                default -> throw new IllegalArgumentException("'" + decay + "': unknown schedule '" + parts[0] + "'");
            };
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + decay + "' is malformed: use none, inverse-time:K, exponential:R,"
                    + " inverse-sqrt:K or staircase:FACTOR:EVERY");
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("'") ? e : new IllegalArgumentException("'" + decay + "': " + e.getMessage(), e);
        }
        return perStep ? s.perStep() : s.perEpoch();
    }

    /** The same formula counting mini-batches (steps) instead of epochs. */
    public LearningRateSchedule perStep() {
        return new LearningRateSchedule(formula, alpha0, k, every, Unit.STEP);
    }

    /** The same formula counting epochs (the default). */
    public LearningRateSchedule perEpoch() {
        return new LearningRateSchedule(formula, alpha0, k, every, Unit.EPOCH);
    }

    public Unit unit() {
        return unit;
    }

    /** {@code α₀}. */
    public double initialRate() {
        return alpha0;
    }

    /** The rate for epoch (or step) number {@code n}, 1 being the first. */
    public double rate(long n) {
        if (n < 1) {
            throw new IllegalArgumentException(unit.name().toLowerCase(Locale.ROOT) + " number must be >= 1 (1 is the first), got " + n);
        }
        return switch (formula) {
            case CONSTANT -> alpha0;
            case INVERSE_TIME -> alpha0 / (1 + k * n);
            case EXPONENTIAL -> alpha0 * Math.pow(k, n);
            case INVERSE_SQRT -> alpha0 * k / Math.sqrt(n);
            case STAIRCASE -> alpha0 * Math.pow(k, (n - 1) / every);
        };
    }

    /** The rate during {@code epoch} at {@code step} (both 1-based, step counted over the whole run), by {@link #unit()}. */
    public double rate(long epoch, long step) {
        return rate(unit == Unit.EPOCH ? epoch : step);
    }

    @Override
    public String toString() {
        String per = unit == Unit.EPOCH ? "epoch" : "step";
        return switch (formula) {
            case CONSTANT -> "constant(α₀=" + alpha0 + ")";
            case INVERSE_TIME -> "α₀/(1 + k·" + per + ") (α₀=" + alpha0 + ", k=" + k + ")";
            case EXPONENTIAL -> "α₀·r^" + per + " (α₀=" + alpha0 + ", r=" + k + ")";
            case INVERSE_SQRT -> "α₀·k/√" + per + " (α₀=" + alpha0 + ", k=" + k + ")";
            case STAIRCASE -> "α₀·factor^⌊(" + per + "−1)/" + every + "⌋ (α₀=" + alpha0 + ", factor=" + k + ")";
        };
    }

    private static double requireAlpha0(double alpha0) {
        if (!(alpha0 > 0) || Double.isInfinite(alpha0) || Float.isInfinite((float) alpha0)) {
            throw new IllegalArgumentException("initial learning rate α₀ must be finite and > 0, got " + alpha0);
        }
        return alpha0;
    }

    private static double requireFactor(String name, double factor) {
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1] (a decay), got " + factor);
        }
        return factor;
    }
}

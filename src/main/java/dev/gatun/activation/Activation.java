package dev.gatun.activation;

/**
 * The course's hidden-layer activations, each with its derivative written in terms of its own output
 * ({@code σ' = σ(1−σ)}, {@code tanh' = 1 − tanh²}, ReLU {@code a > 0 ? 1 : 0}), so backprop needs only the
 * activations A it already keeps, never Z.
 *
 * <p>The vector kernels see two families, so each kernel has one loop per element type instead of five:
 * <ul>
 *   <li>piecewise linear, {@code g(z) = z > 0 ? z : slope·z}: identity (slope 1), ReLU (0), leaky ReLU (0.01);
 *       {@code g' = a > 0 ? 1 : slope} (a > 0 exactly when z > 0, since the slope is non-negative);</li>
 *   <li>logistic, {@code g(z) = scale·σ(steepness·z) + offset}: sigmoid (1, 1, 0) and tanh (2, 2, −1), because
 *       {@code tanh z = 2σ(2z) − 1}; then {@code g' = (steepness/scale)·(a − offset)·(scale + offset − a)},
 *       which is {@code a(1−a)} and {@code (1+a)(1−a)}.</li>
 * </ul>
 * The scalar twins ({@link #apply}, {@link #derivative}) use the textbook formulas instead (Math.tanh...), so
 * the agreement tests also check the family algebra.
 */
public enum Activation {
    IDENTITY(false, 1.0, 0, 0, 0),
    SIGMOID(true, 0, 1, 1, 0),
    TANH(true, 0, 2, 2, -1),
    RELU(false, 0.0, 0, 0, 0),
    LEAKY_RELU(false, Activation.LEAKY_SLOPE, 0, 0, 0);

    /** Leaky ReLU's slope for z ≤ 0. */
    public static final double LEAKY_SLOPE = 0.01;

    private final boolean logistic;
    private final double slope;
    private final double scale;
    private final double steepness;
    private final double offset;

    Activation(boolean logistic, double slope, double scale, double steepness, double offset) {
        this.logistic = logistic;
        this.slope = slope;
        this.scale = scale;
        this.steepness = steepness;
        this.offset = offset;
    }

    /** True for the logistic family, false for the piecewise-linear one. */
    public boolean logistic() {
        return logistic;
    }

    /** The piecewise-linear family's slope for z ≤ 0. */
    public double slope() {
        return slope;
    }

    /** The logistic family's scale, steepness and offset: {@code g(z) = scale·σ(steepness·z) + offset}. */
    public double scale() {
        return scale;
    }

    public double steepness() {
        return steepness;
    }

    public double offset() {
        return offset;
    }

    /** g(z), the reference formula. */
    public double apply(double z) {
        return switch (this) {
            case IDENTITY -> z;
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-z));
            case TANH -> Math.tanh(z);
            // 0·z, as the vector kernels and the serving kernel compute it: NaN stays NaN (a diverged layer must not
            // read as zeros to the layers and loss after it), −∞ gives NaN as there, and −3 gives −0.0.
            case RELU -> z > 0 ? z : 0.0 * z;
            case LEAKY_RELU -> z > 0 ? z : LEAKY_SLOPE * z;
        };
    }

    /** g'(z) from the output {@code a = g(z)}: the form backprop uses. */
    public double derivativeFromOutput(double a) {
        return switch (this) {
            case IDENTITY -> 1.0;
            case SIGMOID -> a * (1.0 - a);
            case TANH -> 1.0 - a * a;
            case RELU -> a > 0 ? 1.0 : 0.0;
            case LEAKY_RELU -> a > 0 ? 1.0 : LEAKY_SLOPE;
        };
    }

    /** g'(z). */
    public double derivative(double z) {
        return derivativeFromOutput(apply(z));
    }
}

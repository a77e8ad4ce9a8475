package dev.gatun.optim;

import dev.gatun.kernels.OptimizerKernels;
import dev.gatun.kernels.ParameterUpdate;
import dev.gatun.nn.Parameter;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Shapes;
import dev.gatun.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Gradient descent and its three refinements as one family: momentum is SGD that averages the
 * gradient ({@code v}), RMSprop scales by the averaged square ({@code s}), Adam does both with bias correction.
 * Each {@link #step} updates every parameter in one fused pass over (W, dW, state) — see {@link OptimizerKernels} —
 * that also reports the first parameter gone non-finite.
 *
 * <p>The state {@code v}, {@code s} is allocated, zeroed, on the first step (or {@link #restore}) for the
 * parameter list seen then, in an arena this optimizer owns and frees in {@link #close}. Later steps must pass a
 * list of the same length, names, element types and shapes; the memory behind each tensor may change. A steady
 * step allocates nothing on the Java heap: the list is walked by index and the state is kept in arrays.
 *
 * <p>float32 state stores a {@code v} of magnitude below 2^−126 as 0 (flush to zero): the step such a {@code v}
 * gives is under 1.2e−32 with Adam at α = 1e−3, and computing with it runs at the speed of subnormal arithmetic
 * ({@link dev.gatun.kernels.StateFlush} has why and what it changes). {@code s} and float64 state keep every bit.
 *
 * <p>The learning rate is held here and changed with {@link #setLearningRate} (the trainer applies its
 * {@link LearningRateSchedule} that way). The step counter {@code t} counts completed steps; Adam's bias
 * correction uses {@code t} = 1 on the first. Not thread-safe: one trainer thread steps an optimizer.
 */
public final class Optimizer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Optimizer.class);

    /** Which update rule; decides which state tensors exist per parameter. */
    public enum Kind {
        SGD(false, false), MOMENTUM(true, false), RMSPROP(false, true), ADAM(true, true);

        private final boolean hasV;
        private final boolean hasS;

        Kind(boolean hasV, boolean hasS) {
            this.hasV = hasV;
            this.hasS = hasS;
        }

        /** Whether the rule keeps the averaged gradient {@code v}. */
        public boolean hasV() {
            return hasV;
        }

        /** Whether the rule keeps the averaged squared gradient {@code s}. */
        public boolean hasS() {
            return hasS;
        }
    }

    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;

    private final Kind kind;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Arena arena = Arena.ofShared();
    private double learningRate;
    private long t;
    private volatile boolean closed;   // read by a trainer that finds its optimizer closed under it

    // Filled once by bind(): what the parameter list looked like, and the state for each entry (null if unused).
    private String[] names;
    private DType[] dtypes;
    private long[][] shapes;
    private Tensor[] v;
    private Tensor[] s;
    private ParameterUpdate update;

    private Optimizer(Kind kind, double learningRate, double beta1, double beta2, double epsilon) {
        this.kind = kind;
        this.learningRate = OptimizerKernels.requireLearningRate(learningRate);
        this.beta1 = kind.hasV ? OptimizerKernels.requireBeta("beta1", beta1) : 0;
        this.beta2 = kind.hasS ? OptimizerKernels.requireBeta("beta2", beta2) : 0;
        this.epsilon = kind.hasS ? OptimizerKernels.requireEpsilon(epsilon) : 0;
    }

    /** Plain gradient descent: {@code W −= α·dW}. */
    public static Optimizer sgd(double learningRate) {
        return new Optimizer(Kind.SGD, learningRate, 0, 0, 0);
    }

    /** Course-form momentum: {@code v = β·v + (1−β)·dW; W −= α·v}, β in [0, 1) (β = 0 is SGD). */
    public static Optimizer momentum(double learningRate, double beta) {
        return new Optimizer(Kind.MOMENTUM, learningRate, beta, 0, 0);
    }

    /** Momentum with β = 0.9. */
    public static Optimizer momentum(double learningRate) {
        return momentum(learningRate, DEFAULT_BETA1);
    }

    /** {@code s = β₂·s + (1−β₂)·dW²; W −= α·dW/(√s + ε)}. */
    public static Optimizer rmsprop(double learningRate, double beta2, double epsilon) {
        return new Optimizer(Kind.RMSPROP, learningRate, 0, beta2, epsilon);
    }

    /** RMSprop with β₂ = 0.999, ε = 1e−8. */
    public static Optimizer rmsprop(double learningRate) {
        return rmsprop(learningRate, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** Bias-corrected Adam: {@code W −= α·v̂/(√ŝ + ε)}, {@code v̂ = v/(1−β₁ᵗ)}, {@code ŝ = s/(1−β₂ᵗ)}. */
    public static Optimizer adam(double learningRate, double beta1, double beta2, double epsilon) {
        return new Optimizer(Kind.ADAM, learningRate, beta1, beta2, epsilon);
    }

    /** Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e−8. */
    public static Optimizer adam(double learningRate) {
        return adam(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** A new optimizer with this one's rule and settings (learning rate included) and no state yet. */
    public Optimizer freshCopy() {
        return new Optimizer(kind, learningRate, beta1, beta2, epsilon);
    }

    public Kind kind() {
        return kind;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Sets α for the following steps; finite and >= 0, else IllegalArgumentException. */
    public void setLearningRate(double learningRate) {
        this.learningRate = OptimizerKernels.requireLearningRate(learningRate);
    }

    /** β₁ (momentum's β); 0 for rules without {@code v}. */
    public double beta1() {
        return beta1;
    }

    /** β₂; 0 for rules without {@code s}. */
    public double beta2() {
        return beta2;
    }

    /** ε; 0 for rules without {@code s}. */
    public double epsilon() {
        return epsilon;
    }

    /** Completed steps: the {@code t} of the last step, 0 before the first. */
    public long stepCount() {
        return t;
    }

    /**
     * Updates every parameter from its gradient with the current learning rate, then counts the step. Returns the
     * index in {@code params} of the first parameter whose updated value holds a NaN or ±∞, or −1: the check is part
     * of the update's one pass over the weights. Split across threads when the calling thread trains with step
     * threads ({@code Trainer.Builder.stepThreads}); the result is the same bits either way.
     */
    public int step(List<Parameter> params) {
        return step(params, null);
    }

    /**
     * As {@link #step(List)}, with each parameter's gradient its own plus the gradient of the parameter at the same
     * position in {@code alsoGradients}, added as the update reads them (the sum rounded to the element type): how
     * data-parallel replicas, whose gradients are their shares of a batch's mean, combine without a pass of their
     * own. Only the gradients of {@code alsoGradients} are read; each must have its parameter's element type and
     * shape. {@code alsoGradients} null: {@link #step(List)}.
     */
    public int step(List<Parameter> params, List<Parameter> alsoGradients) {
        requireOpen();
        if (names == null) {
            bind(params);
        } else {
            check(params);
        }
        if (alsoGradients != null) {
            checkAdded(params, alsoGradients);
        }
        long next = t + 1;
        for (int i = 0; i < names.length; i++) {
            Parameter p = params.get(i);
            update.set(i, p.value().segment(), p.grad().segment(),
                    alsoGradients == null ? null : alsoGradients.get(i).grad().segment(),
                    v[i] == null ? null : v[i].segment(), s[i] == null ? null : s[i].segment());
        }
        int nonFinite = update.apply(learningRate, beta1, beta2, epsilon, next);
        t = next;
        return nonFinite;
    }

    /**
     * The state tensors, for each parameter in order its {@code v} then its {@code s} (those the rule keeps):
     * live views of this optimizer's memory, valid until {@link #close}. Empty before the first step.
     */
    public List<Tensor> state() {
        requireOpen();
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; names != null && i < names.length; i++) {
            if (kind.hasV) {
                out.add(v[i]);
            }
            if (kind.hasS) {
                out.add(s[i]);
            }
        }
        return List.copyOf(out);
    }

    /** Names for {@link #state()}, entry by entry: the parameter's name + ".v" or ".s" ("W1.v", "W1.s", ...). */
    public List<String> stateNames() {
        requireOpen();
        List<String> out = new ArrayList<>();
        for (int i = 0; names != null && i < names.length; i++) {
            if (kind.hasV) {
                out.add(names[i] + ".v");
            }
            if (kind.hasS) {
                out.add(names[i] + ".s");
            }
        }
        return List.copyOf(out);
    }

    /**
     * Resumes from a checkpoint: binds to {@code params} (or checks them against the list already bound), copies
     * {@code state} (as {@link #state()} lists it) into this optimizer's state and sets the step counter.
     */
    public void restore(List<Parameter> params, long stepCount, List<Tensor> state) {
        requireOpen();
        if (stepCount < 0 || stepCount > MAX_STEPS) {
            // Past 2^53 no run gets, and Long.MAX_VALUE would overflow into a negative step at the next update.
            throw new IllegalArgumentException("step count must be from 0 to 2^53, got " + stepCount);
        }
        if (state == null) {
            throw new IllegalArgumentException("state must not be null");
        }
        if (names == null) {
            bind(params);
        } else {
            check(params);
        }
        List<Tensor> mine = state();
        if (state.size() != mine.size()) {
            throw new IllegalArgumentException(kind + " over " + names.length + " parameters keeps " + mine.size()
                    + " state tensors " + stateNames() + ", got " + state.size());
        }
        for (int k = 0; k < mine.size(); k++) {
            Tensor from = state.get(k);
            Tensor to = mine.get(k);
            if (from == null || from.dtype() != to.dtype() || !sameShape(from, to.shape())) {
                throw new IllegalArgumentException("state tensor " + k + " (" + stateNames().get(k) + ") must be "
                        + to.dtype() + " " + to.shapeString() + ", got "
                        + (from == null ? "null" : from.dtype() + " " + from.shapeString()));
            }
            // All checked before anything is copied: a state refused half-way would have lost the one it replaced.
            requireRestorable(stateNames().get(k), from);
        }
        for (int k = 0; k < mine.size(); k++) {
            mine.get(k).copyFrom(state.get(k));
        }
        t = stepCount;
    }

    /**
     * A state tensor {@link #restore} may take: alive, every value finite, and a second moment ({@code .s}, an average
     * of squares) not negative. A NaN there, or a negative average under Adam's square root, would turn every weight
     * into NaN at the next step.
     */
    private static void requireRestorable(String name, Tensor t) {
        if (!t.isAlive()) {
            throw new IllegalStateException("state tensor " + name + " lives in an arena that is already closed");
        }
        boolean squares = name.endsWith(".s");
        for (long i = 0; i < t.size(); i++) {
            double v = t.get(i);
            if (!Double.isFinite(v) || (squares && v < 0)) {
                throw new IllegalArgumentException("state tensor " + name + " element " + i + " is " + v
                        + ", expected a finite" + (squares ? " non-negative value (an average of squared gradients)"
                        : " value"));
            }
        }
    }

    /** The most steps {@link #restore} takes: β^t in double is exact for whole t up to 2^53. */
    private static final long MAX_STEPS = 1L << 53;

    /** Whether {@link #close} has been called. */
    public boolean isClosed() {
        return closed;
    }

    /** Frees the state; later calls throw IllegalStateException. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SGD -> "SGD(α=" + learningRate + ")";
            case MOMENTUM -> "Momentum(α=" + learningRate + ", β=" + beta1 + ")";
            case RMSPROP -> "RMSprop(α=" + learningRate + ", β2=" + beta2 + ", ε=" + epsilon + ")";
            case ADAM -> "Adam(α=" + learningRate + ", β1=" + beta1 + ", β2=" + beta2 + ", ε=" + epsilon + ")";
        };
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** First sight of the parameter list: remember its layout and allocate zeroed state for it. */
    private void bind(List<Parameter> params) {
        requireList(params);
        int count = params.size();
        String[] boundNames = new String[count];
        DType[] boundTypes = new DType[count];
        long[][] boundShapes = new long[count][];
        for (int i = 0; i < count; i++) {
            Parameter p = requireParameter(params, i);
            boundNames[i] = p.name();
            boundTypes[i] = p.value().dtype();
            boundShapes[i] = p.value().shape();
        }
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = params.get(i).value().size();
        }
        ParameterUpdate boundUpdate = new ParameterUpdate(switch (kind) {
            case SGD -> ParameterUpdate.Rule.SGD;
            case MOMENTUM -> ParameterUpdate.Rule.MOMENTUM;
            case RMSPROP -> ParameterUpdate.Rule.RMSPROP;
            case ADAM -> ParameterUpdate.Rule.ADAM;
        }, boundTypes, sizes);
        Tensor[] boundV = new Tensor[count];
        Tensor[] boundS = new Tensor[count];
        long elements = 0;
        for (int i = 0; i < count; i++) {
            boundV[i] = kind.hasV ? Tensor.allocate(arena, boundTypes[i], boundShapes[i]) : null;
            boundS[i] = kind.hasS ? Tensor.allocate(arena, boundTypes[i], boundShapes[i]) : null;
            elements += params.get(i).value().size();
        }
        names = boundNames;
        dtypes = boundTypes;
        shapes = boundShapes;
        v = boundV;
        s = boundS;
        update = boundUpdate;
        log.debug("{} bound to {} parameters ({} elements)", this, count, elements);
    }

    /** Every later step: the list must still describe the tensors the state was allocated for. */
    private void check(List<Parameter> params) {
        requireList(params);
        if (params.size() != names.length) {
            throw new IllegalArgumentException(kind + " state was allocated for " + names.length
                    + " parameters, this step passes " + params.size());
        }
        for (int i = 0; i < names.length; i++) {
            Parameter p = requireParameter(params, i);
            Tensor W = p.value();
            if (!Objects.equals(names[i], p.name()) || W.dtype() != dtypes[i] || !sameShape(W, shapes[i])) {
                throw new IllegalArgumentException("parameter " + i + " is " + p.name() + " " + W.dtype() + " "
                        + W.shapeString() + " in this step but was " + names[i] + " " + dtypes[i] + " "
                        + Shapes.format(shapes[i]) + " when the " + kind + " state was allocated");
            }
        }
    }

    /** After {@link #bind} or {@link #check}: the parameters match the bound types and shapes. */
    private void checkAdded(List<Parameter> params, List<Parameter> added) {
        if (added.size() != params.size()) {
            throw new IllegalArgumentException("an optimizer step over " + params.size() + " parameters was given "
                    + added.size() + " gradients to add");
        }
        for (int i = 0; i < params.size(); i++) {
            Tensor W = params.get(i).value();
            Parameter other = added.get(i);
            if (other == null) {
                throw new IllegalArgumentException("gradient to add " + i + " is null");
            }
            Tensor g = other.grad();
            if (!g.isAlive()) {
                throw new IllegalStateException("gradient to add " + i + " (" + other.name() + "): its arena is"
                        + " closed");
            }
            if (g.dtype() != dtypes[i] || !sameShape(g, shapes[i])) {
                throw new IllegalArgumentException("gradient to add " + i + " (" + other.name() + ") is " + g.dtype()
                        + " " + g.shapeString() + " but parameter " + params.get(i).name() + " is " + W.dtype() + " "
                        + W.shapeString());
            }
        }
    }

    private static void requireList(List<Parameter> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("an optimizer step needs a non-empty parameter list, got " + params);
        }
    }

    private static Parameter requireParameter(List<Parameter> params, int i) {
        Parameter p = params.get(i);
        if (p == null) {
            throw new IllegalArgumentException("parameter " + i + " is null");
        }
        if (!p.value().isAlive() || !p.grad().isAlive()) {
            throw new IllegalStateException("parameter " + i + " (" + p.name() + "): the arena holding its "
                    + (p.value().isAlive() ? "gradient" : "value") + " is closed");
        }
        return p;
    }

    /** Compares without {@link Tensor#shape()}, which copies: check() runs every step and must not allocate. */
    private static boolean sameShape(Tensor tensor, long[] shape) {
        if (tensor.rank() != shape.length) {
            return false;
        }
        for (int d = 0; d < shape.length; d++) {
            if (tensor.dim(d) != shape[d]) {
                return false;
            }
        }
        return true;
    }
}

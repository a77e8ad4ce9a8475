package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fused parameter updates of DESIGN §3, each ONE pass over its segments: every element of W, dW and the
 * optimizer state is loaded once and stored once, because an update step is memory-bound and a second pass
 * would double its cost.
 *
 * <ul>
 *   <li>SGD: {@code W −= α·dW}</li>
 *   <li>momentum: {@code v = β·v + (1−β)·dW; W −= α·v}</li>
 *   <li>RMSprop: {@code s = β₂·s + (1−β₂)·dW²; W −= α·dW/(√s + ε)}</li>
 *   <li>Adam: {@code v, s} as above, {@code v̂ = v/(1−β₁ᵗ)}, {@code ŝ = s/(1−β₂ᵗ)}, {@code W −= α·v̂/(√ŝ + ε)}</li>
 * </ul>
 *
 * <p>Each kernel takes the element type, the segments and the element count {@code n}; the vector body covers
 * whole vectors (SPECIES_PREFERRED) and the scalar twin finishes the tail. The twin ({@code ...Scalar}) is also the
 * tests' oracle: it computes every operation in double and rounds the result to the element type after each one.
 * For float32 that reproduces float arithmetic bit for bit (a double holds more than 2·24+2 bits, so rounding
 * a double +, −, ×, ÷ or √ of two floats to float equals the float operation), so the vector kernel and its twin
 * must agree exactly; neither uses fused multiply-add, for the same reason.
 *
 * <p>Adam folds the bias corrections into two constants, {@code α/(1−β₁ᵗ)} and {@code 1/(1−β₂ᵗ)}, computed once per
 * call in double: {@code W −= (α/(1−β₁ᵗ))·v / (√(s·(1/(1−β₂ᵗ))) + ε)} is the same formula without two divisions
 * per element. ε stays outside the square root, as in DESIGN §3.
 */
public final class OptimizerKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private OptimizerKernels() {}

    // ---------------------------------------------------------------- SGD: W −= α·dW

    public static void sgd(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
        checkSgd(dtype, W, dW, n, alpha);
        long done = dtype == DType.F32 ? sgdF32(W, dW, n, (float) alpha) : sgdF64(W, dW, n, alpha);
        sgdRange(dtype, W, dW, done, n, alpha);
    }

    public static void sgdScalar(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
        checkSgd(dtype, W, dW, n, alpha);
        sgdRange(dtype, W, dW, 0, n, alpha);
    }

    private static void checkSgd(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
        requireLearningRate(alpha);
        requireElements("sgd", dtype, n, W, "W", true);
        requireElements("sgd", dtype, n, dW, "dW", false);
    }

    private static long sgdF32(MemorySegment W, MemorySegment dW, long n, float alpha) {
        long bound = F.loopBound(n);
        for (long i = 0; i < bound; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
            FloatVector.fromMemorySegment(F, W, at, ORDER).sub(g.mul(alpha)).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static long sgdF64(MemorySegment W, MemorySegment dW, long n, double alpha) {
        long bound = D.loopBound(n);
        for (long i = 0; i < bound; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(D, dW, at, ORDER);
            DoubleVector.fromMemorySegment(D, W, at, ORDER).sub(g.mul(alpha)).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static void sgdRange(DType dt, MemorySegment W, MemorySegment dW, long from, long to, double alpha) {
        double a = round(dt, alpha);
        for (long i = from; i < to; i++) {
            store(dt, W, i, load(dt, W, i) - round(dt, a * load(dt, dW, i)));
        }
    }

    // ---------------------------------------------------------------- momentum: v = β·v + (1−β)·dW; W −= α·v

    public static void momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                double alpha, double beta) {
        checkMomentum(dtype, W, dW, v, n, alpha, beta);
        long done = dtype == DType.F32
                ? momentumF32(W, dW, v, n, (float) alpha, (float) beta, (float) (1 - beta))
                : momentumF64(W, dW, v, n, alpha, beta, 1 - beta);
        momentumRange(dtype, W, dW, v, done, n, alpha, beta);
    }

    public static void momentumScalar(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                      double alpha, double beta) {
        checkMomentum(dtype, W, dW, v, n, alpha, beta);
        momentumRange(dtype, W, dW, v, 0, n, alpha, beta);
    }

    private static void checkMomentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                      double alpha, double beta) {
        requireLearningRate(alpha);
        requireBeta("beta", beta);
        requireElements("momentum", dtype, n, W, "W", true);
        requireElements("momentum", dtype, n, dW, "dW", false);
        requireElements("momentum", dtype, n, v, "v", true);
    }

    private static long momentumF32(MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                    float alpha, float beta, float oneMinusBeta) {
        long bound = F.loopBound(n);
        for (long i = 0; i < bound; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
            FloatVector vNew = FloatVector.fromMemorySegment(F, v, at, ORDER).mul(beta).add(g.mul(oneMinusBeta));
            vNew.intoMemorySegment(v, at, ORDER);
            FloatVector.fromMemorySegment(F, W, at, ORDER).sub(vNew.mul(alpha)).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static long momentumF64(MemorySegment W, MemorySegment dW, MemorySegment v, long n,
                                    double alpha, double beta, double oneMinusBeta) {
        long bound = D.loopBound(n);
        for (long i = 0; i < bound; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(D, dW, at, ORDER);
            DoubleVector vNew = DoubleVector.fromMemorySegment(D, v, at, ORDER).mul(beta).add(g.mul(oneMinusBeta));
            vNew.intoMemorySegment(v, at, ORDER);
            DoubleVector.fromMemorySegment(D, W, at, ORDER).sub(vNew.mul(alpha)).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static void momentumRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment v, long from,
                                      long to, double alpha, double beta) {
        double a = round(dt, alpha);
        double b = round(dt, beta);
        double c = round(dt, 1 - beta);
        for (long i = from; i < to; i++) {
            double vNew = round(dt, round(dt, b * load(dt, v, i)) + round(dt, c * load(dt, dW, i)));
            store(dt, v, i, vNew);
            store(dt, W, i, load(dt, W, i) - round(dt, a * vNew));
        }
    }

    // ---------------------------------------------------------------- RMSprop: s = β₂·s + (1−β₂)·dW²; W −= α·dW/(√s + ε)

    public static void rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                               double alpha, double beta2, double epsilon) {
        checkRmsprop(dtype, W, dW, s, n, alpha, beta2, epsilon);
        long done = dtype == DType.F32
                ? rmspropF32(W, dW, s, n, (float) alpha, (float) beta2, (float) (1 - beta2), (float) epsilon)
                : rmspropF64(W, dW, s, n, alpha, beta2, 1 - beta2, epsilon);
        rmspropRange(dtype, W, dW, s, done, n, alpha, beta2, epsilon);
    }

    public static void rmspropScalar(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                                     double alpha, double beta2, double epsilon) {
        checkRmsprop(dtype, W, dW, s, n, alpha, beta2, epsilon);
        rmspropRange(dtype, W, dW, s, 0, n, alpha, beta2, epsilon);
    }

    private static void checkRmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                                     double alpha, double beta2, double epsilon) {
        requireLearningRate(alpha);
        requireBeta("beta2", beta2);
        requireEpsilon(epsilon);
        requireElements("rmsprop", dtype, n, W, "W", true);
        requireElements("rmsprop", dtype, n, dW, "dW", false);
        requireElements("rmsprop", dtype, n, s, "s", true);
    }

    private static long rmspropF32(MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                                   float alpha, float beta2, float oneMinusBeta2, float epsilon) {
        long bound = F.loopBound(n);
        for (long i = 0; i < bound; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
            FloatVector sNew = FloatVector.fromMemorySegment(F, s, at, ORDER).mul(beta2)
                    .add(g.mul(g).mul(oneMinusBeta2));
            sNew.intoMemorySegment(s, at, ORDER);
            FloatVector step = g.mul(alpha).div(sNew.sqrt().add(epsilon));
            FloatVector.fromMemorySegment(F, W, at, ORDER).sub(step).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static long rmspropF64(MemorySegment W, MemorySegment dW, MemorySegment s, long n,
                                   double alpha, double beta2, double oneMinusBeta2, double epsilon) {
        long bound = D.loopBound(n);
        for (long i = 0; i < bound; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(D, dW, at, ORDER);
            DoubleVector sNew = DoubleVector.fromMemorySegment(D, s, at, ORDER).mul(beta2)
                    .add(g.mul(g).mul(oneMinusBeta2));
            sNew.intoMemorySegment(s, at, ORDER);
            DoubleVector step = g.mul(alpha).div(sNew.sqrt().add(epsilon));
            DoubleVector.fromMemorySegment(D, W, at, ORDER).sub(step).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static void rmspropRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment s, long from,
                                     long to, double alpha, double beta2, double epsilon) {
        double a = round(dt, alpha);
        double b2 = round(dt, beta2);
        double c2 = round(dt, 1 - beta2);
        double e = round(dt, epsilon);
        for (long i = from; i < to; i++) {
            double g = load(dt, dW, i);
            double sNew = round(dt, round(dt, b2 * load(dt, s, i)) + round(dt, round(dt, g * g) * c2));
            store(dt, s, i, sNew);
            double step = round(dt, round(dt, a * g) / round(dt, round(dt, Math.sqrt(sNew)) + e));
            store(dt, W, i, load(dt, W, i) - step);
        }
    }

    // ---------------------------------------------------------------- Adam

    /**
     * One Adam update at step {@code t} (1 for the first step: the bias corrections divide by {@code 1−βᵗ}).
     */
    public static void adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                            long n, double alpha, double beta1, double beta2, double epsilon, long t) {
        checkAdam(dtype, W, dW, v, s, n, alpha, beta1, beta2, epsilon, t);
        double alphaT = alpha / (1 - Math.pow(beta1, t));
        double inverseCorrection2 = 1 / (1 - Math.pow(beta2, t));
        long done = dtype == DType.F32
                ? adamF32(W, dW, v, s, n, (float) alphaT, (float) beta1, (float) (1 - beta1), (float) beta2,
                        (float) (1 - beta2), (float) inverseCorrection2, (float) epsilon)
                : adamF64(W, dW, v, s, n, alphaT, beta1, 1 - beta1, beta2, 1 - beta2, inverseCorrection2, epsilon);
        adamRange(dtype, W, dW, v, s, done, n, alpha, beta1, beta2, epsilon, t);
    }

    public static void adamScalar(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                                  long n, double alpha, double beta1, double beta2, double epsilon, long t) {
        checkAdam(dtype, W, dW, v, s, n, alpha, beta1, beta2, epsilon, t);
        adamRange(dtype, W, dW, v, s, 0, n, alpha, beta1, beta2, epsilon, t);
    }

    private static void checkAdam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                                  long n, double alpha, double beta1, double beta2, double epsilon, long t) {
        requireLearningRate(alpha);
        requireBeta("beta1", beta1);
        requireBeta("beta2", beta2);
        requireEpsilon(epsilon);
        if (t < 1) {
            throw new IllegalArgumentException("adam: step t must be >= 1 (bias correction divides by 1 - beta^t), got "
                    + t);
        }
        requireElements("adam", dtype, n, W, "W", true);
        requireElements("adam", dtype, n, dW, "dW", false);
        requireElements("adam", dtype, n, v, "v", true);
        requireElements("adam", dtype, n, s, "s", true);
    }

    private static long adamF32(MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s, long n,
                                float alphaT, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                                float inverseCorrection2, float epsilon) {
        long bound = F.loopBound(n);
        for (long i = 0; i < bound; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, dW, at, ORDER);
            FloatVector vNew = FloatVector.fromMemorySegment(F, v, at, ORDER).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector sNew = FloatVector.fromMemorySegment(F, s, at, ORDER).mul(beta2)
                    .add(g.mul(g).mul(oneMinusBeta2));
            vNew.intoMemorySegment(v, at, ORDER);
            sNew.intoMemorySegment(s, at, ORDER);
            FloatVector step = vNew.mul(alphaT).div(sNew.mul(inverseCorrection2).sqrt().add(epsilon));
            FloatVector.fromMemorySegment(F, W, at, ORDER).sub(step).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static long adamF64(MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s, long n,
                                double alphaT, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                                double inverseCorrection2, double epsilon) {
        long bound = D.loopBound(n);
        for (long i = 0; i < bound; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(D, dW, at, ORDER);
            DoubleVector vNew = DoubleVector.fromMemorySegment(D, v, at, ORDER).mul(beta1).add(g.mul(oneMinusBeta1));
            DoubleVector sNew = DoubleVector.fromMemorySegment(D, s, at, ORDER).mul(beta2)
                    .add(g.mul(g).mul(oneMinusBeta2));
            vNew.intoMemorySegment(v, at, ORDER);
            sNew.intoMemorySegment(s, at, ORDER);
            DoubleVector step = vNew.mul(alphaT).div(sNew.mul(inverseCorrection2).sqrt().add(epsilon));
            DoubleVector.fromMemorySegment(D, W, at, ORDER).sub(step).intoMemorySegment(W, at, ORDER);
        }
        return bound;
    }

    private static void adamRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s,
                                  long from, long to, double alpha, double beta1, double beta2, double epsilon,
                                  long t) {
        double aT = round(dt, alpha / (1 - Math.pow(beta1, t)));
        double inverseCorrection2 = round(dt, 1 / (1 - Math.pow(beta2, t)));
        double b1 = round(dt, beta1);
        double c1 = round(dt, 1 - beta1);
        double b2 = round(dt, beta2);
        double c2 = round(dt, 1 - beta2);
        double e = round(dt, epsilon);
        for (long i = from; i < to; i++) {
            double g = load(dt, dW, i);
            double vNew = round(dt, round(dt, b1 * load(dt, v, i)) + round(dt, c1 * g));
            double sNew = round(dt, round(dt, b2 * load(dt, s, i)) + round(dt, round(dt, g * g) * c2));
            store(dt, v, i, vNew);
            store(dt, s, i, sNew);
            double root = round(dt, Math.sqrt(round(dt, sNew * inverseCorrection2)));
            double step = round(dt, round(dt, aT * vNew) / round(dt, root + e));
            store(dt, W, i, load(dt, W, i) - step);
        }
    }

    // ---------------------------------------------------------------- validation shared with dev.gatun.optim

    /** A learning rate must be finite and non-negative (0 freezes the parameters, which a schedule may reach). */
    public static double requireLearningRate(double alpha) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + alpha);
        }
        return alpha;
    }

    /** An averaging coefficient β must lie in [0, 1): β = 1 would never let a gradient in (and 1−βᵗ would be 0). */
    public static double requireBeta(String name, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + beta);
        }
        return beta;
    }

    /** ε keeps √s + ε away from 0 where s is still 0: it must be finite and > 0. */
    public static double requireEpsilon(double epsilon) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
        }
        return epsilon;
    }

    private static void requireElements(String kernel, DType dtype, long n, MemorySegment segment, String name,
                                        boolean written) {
        if (dtype == null) {
            throw new IllegalArgumentException(kernel + ": dtype must not be null");
        }
        if (n < 0) {
            throw new IllegalArgumentException(kernel + ": element count must be >= 0, got " + n);
        }
        if (segment == null) {
            throw new IllegalArgumentException(kernel + ": " + name + " must not be null");
        }
        if (segment.byteSize() / dtype.byteSize() < n) {
            throw new IllegalArgumentException(kernel + ": " + name + " holds " + segment.byteSize() + " bytes, fewer than "
                    + n + " " + dtype + " elements need (" + n * dtype.byteSize() + ")");
        }
        if (written && segment.isReadOnly()) {
            throw new IllegalArgumentException(kernel + ": " + name + " is updated in place but its segment is read-only");
        }
    }

    // ---------------------------------------------------------------- scalar access for the twins

    /** The value as the element type holds it: float32 results are rounded to float after every operation. */
    private static double round(DType dtype, double x) {
        return dtype == DType.F32 ? (double) (float) x : x;
    }

    private static double load(DType dtype, MemorySegment segment, long i) {
        return dtype == DType.F32
                ? segment.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                : segment.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    /** Stores {@code x} rounded to the element type (the final rounding of the last operation). */
    private static void store(DType dtype, MemorySegment segment, long i, double x) {
        if (dtype == DType.F32) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) x);
        } else {
            segment.setAtIndex(ValueLayout.JAVA_DOUBLE, i, x);
        }
    }
}

package dev.gatun.kernels.scalar;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.StateFlush;
import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The optimizer updates over elements [from, to), each noting whether every W it stored is finite: the twins, and
 * the vector bodies' tail. Every operation is computed
 * in double and rounded to the element type after each one; for float32 that reproduces float arithmetic bit for bit
 * (a double holds more than 2·24+2 bits, so rounding a double +, −, ×, ÷ or √ of two floats to float equals the float
 * operation), so a float32 vector body and this twin agree exactly. Neither uses fused multiply-add, for that reason.
 * Both store a float32 {@code v} that falls among the subnormals as 0, by the same rule ({@link StateFlush}).
 */
public final class ScalarOptimizer implements KernelProvider.Optimizer {
    ScalarOptimizer() {}

    @Override
    public boolean sgd(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, long from, long to,
                       double alpha) {
        return sgdRange(dtype, W, dW, dW2, from, to, alpha);
    }

    @Override
    public boolean momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                            long from, long to, double alpha, double beta) {
        return momentumRange(dtype, W, dW, dW2, v, from, to, alpha, beta);
    }

    @Override
    public boolean rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment s,
                           long from, long to, double alpha, double beta2, double epsilon) {
        return rmspropRange(dtype, W, dW, dW2, s, from, to, alpha, beta2, epsilon);
    }

    @Override
    public boolean adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                        MemorySegment s, long from, long to, double alpha, double beta1, double beta2, double epsilon,
                        long t) {
        return adamRange(dtype, W, dW, dW2, v, s, from, to, alpha, beta1, beta2, epsilon, t);
    }

    /** Each returns whether every W it stored is finite. */
    public static boolean sgdRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment dW2, long from, long to,
                                   double alpha) {
        double a = round(dt, alpha);
        boolean finite = true;
        for (long i = from; i < to; i++) {
            finite &= store(dt, W, i, load(dt, W, i) - round(dt, a * gradient(dt, dW, dW2, i)));
        }
        return finite;
    }

    public static boolean momentumRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment dW2,
                                        MemorySegment v, long from, long to, double alpha, double beta) {
        double a = round(dt, alpha);
        double b = round(dt, beta);
        double c = round(dt, 1 - beta);
        float vFloor = StateFlush.firstMoment(dt);
        boolean finite = true;
        for (long i = from; i < to; i++) {
            double vNew = flush(round(dt, round(dt, b * load(dt, v, i)) + round(dt, c * gradient(dt, dW, dW2, i))),
                    vFloor);
            store(dt, v, i, vNew);
            finite &= store(dt, W, i, load(dt, W, i) - round(dt, a * vNew));
        }
        return finite;
    }

    public static boolean rmspropRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment dW2,
                                       MemorySegment s, long from, long to, double alpha, double beta2,
                                       double epsilon) {
        double a = round(dt, alpha);
        double b2 = round(dt, beta2);
        double c2 = round(dt, 1 - beta2);
        double e = round(dt, epsilon);
        boolean finite = true;
        for (long i = from; i < to; i++) {
            double g = gradient(dt, dW, dW2, i);
            double sNew = round(dt, round(dt, b2 * load(dt, s, i)) + round(dt, round(dt, g * g) * c2));
            finite &= store(dt, s, i, sNew);   // an overflowed s would freeze W at a finite value
            double step = round(dt, round(dt, a * g) / round(dt, round(dt, Math.sqrt(sNew)) + e));
            finite &= store(dt, W, i, load(dt, W, i) - step);
        }
        return finite;
    }

    public static boolean adamRange(DType dt, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                                    MemorySegment s, long from, long to, double alpha, double beta1, double beta2,
                                    double epsilon, long t) {
        double aT = round(dt, alpha / (1 - Math.pow(beta1, t)));
        double inverseCorrection2 = round(dt, 1 / (1 - Math.pow(beta2, t)));
        double b1 = round(dt, beta1);
        double c1 = round(dt, 1 - beta1);
        double b2 = round(dt, beta2);
        double c2 = round(dt, 1 - beta2);
        double e = round(dt, epsilon);
        float vFloor = StateFlush.firstMoment(dt);
        boolean finite = true;
        for (long i = from; i < to; i++) {
            double g = gradient(dt, dW, dW2, i);
            double vNew = flush(round(dt, round(dt, b1 * load(dt, v, i)) + round(dt, c1 * g)), vFloor);
            double sNew = round(dt, round(dt, b2 * load(dt, s, i)) + round(dt, round(dt, g * g) * c2));
            store(dt, v, i, vNew);
            finite &= store(dt, s, i, sNew);   // an overflowed s would freeze W at a finite value
            double root = round(dt, Math.sqrt(round(dt, sNew * inverseCorrection2)));
            double step = round(dt, round(dt, aT * vNew) / round(dt, root + e));
            finite &= store(dt, W, i, load(dt, W, i) - step);
        }
        return finite;
    }

    /** 0 for x of magnitude below {@code floor} (see {@link StateFlush}), else x; NaN stays NaN. */
    private static double flush(double x, float floor) {
        return Math.abs(x) < floor ? 0 : x;
    }

    /** Element i of dW, plus that of dW2 where there is one, the sum rounded to the element type. */
    private static double gradient(DType dtype, MemorySegment dW, MemorySegment dW2, long i) {
        double g = load(dtype, dW, i);
        return dW2 == null ? g : round(dtype, g + load(dtype, dW2, i));
    }

    private static double round(DType dtype, double x) {
        return dtype == DType.F32 ? (double) (float) x : x;
    }

    private static double load(DType dtype, MemorySegment segment, long i) {
        return dtype == DType.F32
                ? segment.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                : segment.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    /** Stores x rounded to the element type; returns whether the stored value is finite. */
    private static boolean store(DType dtype, MemorySegment segment, long i, double x) {
        if (dtype == DType.F32) {
            float stored = (float) x;
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, stored);
            return Float.isFinite(stored);
        }
        segment.setAtIndex(ValueLayout.JAVA_DOUBLE, i, x);
        return Double.isFinite(x);
    }
}

package dev.gatun.kernels;

import dev.gatun.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * One optimizer step over a fixed list of parameters: the fused update of {@link OptimizerKernels} over every
 * (W, dW, state), with the explosion check folded into the same pass. {@link #apply} returns the first parameter
 * whose updated W holds a NaN or ±∞, so no second pass reads the weights.
 *
 * <p>The parameters are laid end to end in one index space, each starting on a multiple of
 * {@link SplitKernels#ALIGNMENT}; with a {@link SplitKernels} bound to the calling thread that space is cut into one
 * range per thread, so a step is one hand-off to the pool whatever the number of parameters. Every element's update
 * depends on that element alone, so the result is the same bits for any thread count.
 *
 * <p>The caller sets the segments of each parameter ({@link #set}) before every {@link #apply}: the memory behind a
 * parameter may change between steps, its element type and count may not. Allocates nothing after construction.
 */
public final class ParameterUpdate implements StepPool.Chunks {
    /** The update rule. */
    public enum Rule { SGD, MOMENTUM, RMSPROP, ADAM }

    private static final KernelProvider.Optimizer KERNELS = KernelProvider.selected().optimizer();
    private static final KernelProvider.Optimizer SCALAR = KernelProvider.scalar().optimizer();

    private final Rule rule;
    private final DType[] dtypes;
    private final long[] sizes;
    private final long[] starts;
    private final long total;
    private final Segments[] segments;
    private final boolean[] nonFinite;
    private double alpha;
    private double beta1;
    private double beta2;
    private double epsilon;
    private long t;
    private int chunks;

    /** An update by {@code rule} of parameters with these element types and element counts. */
    public ParameterUpdate(Rule rule, DType[] dtypes, long[] sizes) {
        if (rule == null || dtypes == null || sizes == null || dtypes.length != sizes.length || sizes.length == 0) {
            throw new IllegalArgumentException("a parameter update needs a rule and one element type and count per"
                    + " parameter, at least one");
        }
        this.rule = rule;
        this.dtypes = dtypes.clone();
        this.sizes = sizes.clone();
        this.starts = new long[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 0 || dtypes[i] == null) {
                throw new IllegalArgumentException("parameter " + i + ": element type " + dtypes[i] + ", count "
                        + sizes[i]);
            }
            starts[i] = at;
            at += (sizes[i] + SplitKernels.ALIGNMENT - 1) / SplitKernels.ALIGNMENT * SplitKernels.ALIGNMENT;
        }
        this.total = at;
        int n = sizes.length;
        this.segments = new Segments[n];
        for (int i = 0; i < n; i++) {
            segments[i] = new Segments();
        }
        this.nonFinite = new boolean[n];
    }

    /** Parameter {@code i}'s value, gradient and state ({@code v}, {@code s}: null where the rule keeps none). */
    public void set(int i, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s) {
        set(i, W, dW, null, v, s);
    }

    /**
     * As {@link #set(int, MemorySegment, MemorySegment, MemorySegment, MemorySegment)}, the gradient being
     * {@code dW + dW2}, summed as the update reads it ({@code dW2} null: {@code dW} alone).
     */
    public void set(int i, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v, MemorySegment s) {
        Segments p = segments[i];
        p.w = W;
        p.dw = dW;
        p.dw2 = dW2;
        p.v = v;
        p.s = s;
    }

    /**
     * Updates every parameter with these hyperparameters (those the rule does not use are ignored; {@code t} is
     * Adam's step, from 1). Returns the index of the first parameter whose updated W is not all finite, or −1.
     */
    public int apply(double alpha, double beta1, double beta2, double epsilon, long t) {
        for (int i = 0; i < sizes.length; i++) {
            Segments p = segments[i];
            switch (rule) {
                case SGD -> OptimizerKernels.checkSgd(dtypes[i], p.w, p.dw, sizes[i], alpha);
                case MOMENTUM -> OptimizerKernels.checkMomentum(dtypes[i], p.w, p.dw, p.v, sizes[i], alpha, beta1);
                case RMSPROP -> OptimizerKernels.checkRmsprop(dtypes[i], p.w, p.dw, p.s, sizes[i], alpha, beta2,
                        epsilon);
                case ADAM -> OptimizerKernels.checkAdam(dtypes[i], p.w, p.dw, p.v, p.s, sizes[i], alpha, beta1,
                        beta2, epsilon, t);
            }
            if (p.dw2 != null) {
                OptimizerKernels.requireElements("parameter update", dtypes[i], sizes[i], p.dw2, "dW2", false);
            }
            nonFinite[i] = false;
        }
        this.alpha = alpha;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.t = t;
        SplitKernels split = SplitKernels.current();
        chunks = split == null || !reachable(split) ? 1 : split.chunks(total);
        if (chunks == 1) {
            run(0);
        } else {
            split.run(this, chunks);
        }
        for (int i = 0; i < nonFinite.length; i++) {
            if (nonFinite[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the pool's workers can use every segment (a confined arena's belong to their owner alone). */
    private boolean reachable(SplitKernels split) {
        for (int i = 0; i < sizes.length; i++) {
            Segments p = segments[i];
            if (!split.reaches(p.w) || !split.reaches(p.dw) || (p.dw2 != null && !split.reaches(p.dw2))
                    || (p.v != null && !split.reaches(p.v))
                    || (p.s != null && !split.reaches(p.s))) {
                return false;
            }
        }
        return true;
    }

    /** Range {@code c} of the joined index space: the overlapping part of every parameter it crosses. */
    @Override
    public void run(int c) {
        long lo = SplitKernels.boundary(total, c, chunks);
        long hi = SplitKernels.boundary(total, c + 1, chunks);
        for (int i = 0; i < sizes.length; i++) {
            long start = starts[i];
            long from = Math.max(lo, start) - start;
            long to = Math.min(hi, start + sizes[i]) - start;
            if (from < to && !update(i, from, to)) {
                nonFinite[i] = true;
            }
        }
    }

    /**
     * Elements [from, to) of parameter {@code i}: the selected provider's whole vectors, then the scalar twins for
     * the rest, so the vector kernels' compilations never hold their scalar tail ({@link
     * KernelProvider.Optimizer#vectorElements} says why). The twins give the bits the vector lanes give.
     */
    private boolean update(int i, long from, long to) {
        long split = to - (to - from) % KERNELS.vectorElements(dtypes[i]);
        boolean finite = split == from || update(KERNELS, i, from, split);
        return split == to ? finite : update(SCALAR, i, split, to) & finite;
    }

    private boolean update(KernelProvider.Optimizer kernels, int i, long from, long to) {
        Segments p = segments[i];
        return switch (rule) {
            case SGD -> kernels.sgd(dtypes[i], p.w, p.dw, p.dw2, from, to, alpha);
            case MOMENTUM -> kernels.momentum(dtypes[i], p.w, p.dw, p.dw2, p.v, from, to, alpha, beta1);
            case RMSPROP -> kernels.rmsprop(dtypes[i], p.w, p.dw, p.dw2, p.s, from, to, alpha, beta2, epsilon);
            case ADAM -> kernels.adam(dtypes[i], p.w, p.dw, p.dw2, p.v, p.s, from, to, alpha, beta1, beta2,
                    epsilon, t);
        };
    }

    /**
     * One parameter's segments, rewritten by {@link #set} before every step. Fields of a holder, not arrays of
     * MemorySegment: C2 guards a store into an array of an interface type with a speculation that fails on every
     * such store, and its traps (array_check, four per compilation) recompiled the methods {@link #set} is inlined
     * into.
     */
    private static final class Segments {
        MemorySegment w;
        MemorySegment dw;
        MemorySegment dw2;
        MemorySegment v;
        MemorySegment s;
    }
}

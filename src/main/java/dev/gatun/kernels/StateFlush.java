package dev.gatun.kernels;

import dev.gatun.tensor.DType;

/**
 * Below which magnitude the float32 optimizer updates store the averaged gradient {@code v} (momentum's and Adam's)
 * as zero, the same for the vector kernels and their scalar twins so that both flush the same lanes.
 *
 * <p>Why: some of an x86 core's float operations on subnormal values (magnitudes below 2^−126 ≈ 1.18e−38) take far
 * longer than on normal ones. The optimizer's kernels did (below); OpenBLAS's sgemm on a Zen 3 showed no cost
 * (BENCHMARKS.md, "The side-by-side's warm-up"). And {@code v} passes through that range all the time: a weight whose
 * gradient stays exactly zero (a row of the first layer for an input that is 0 across the batch, a column of a unit
 * that does not fire) keeps multiplying its {@code v} by β, and at β = 0.9 it reaches the subnormals in a few hundred
 * steps and never leaves them: once v is a few multiples of the smallest subnormal, rounding β·v to nearest gives v
 * back (0.9 · 4·2^−149 rounds to 4·2^−149), so every later step computes with it.
 * After ten epochs of the 784-256-128-10 network on Fashion-MNIST with Adam, 11% of the state's 8-float vectors
 * held such a {@code v}, and an Adam step from that state took 118–136 µs; flushing, 108–124 µs (BENCHMARKS.md,
 * "Subnormal first moments").
 *
 * <p>What it changes: a {@code v} of magnitude below 2^−126 is stored as 0, so the weight does not take the step
 * that v would have given: less than α/(1−β₁ᵗ) · 2^−126 / ε with Adam (1.2e−32 at most with α = 1e−3 and the
 * default β₁ and ε), α · 2^−126 with momentum. A v just above 2^−126 is kept, and its product with the step size can
 * still be subnormal (for about 65 steps of decay at α = 1e−3): the flush removes the lasting cost, not every
 * subnormal operation. {@code s} is never flushed: Adam divides by √ŝ + ε, and with a tiny ε a flushed {@code s}
 * could turn a small step into a large one.
 * float64 state is never flushed either: gradient checks run in float64 and keep every bit.
 */
public final class StateFlush {
    private StateFlush() {
    }

    /** The magnitude below which {@code v} is stored as 0: 2^−126 for float32, 0 (nothing) for float64. */
    public static float firstMoment(DType dtype) {
        return dtype == DType.F32 ? Float.MIN_NORMAL : 0f;
    }
}

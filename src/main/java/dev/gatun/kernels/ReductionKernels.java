package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

/**
 * Sums: per column ({@code db = (1/m)·Σ_rows dZ}) and over a whole tensor (the squared Frobenius and L1 norms
 * the regularizers add to the cost). Checked here, computed by the {@link KernelProvider#selected() selected} provider;
 * column sums split by columns across threads when a {@link SplitKernels} is bound to the calling thread.
 */
public final class ReductionKernels {
    private static final KernelProvider.Reductions KERNELS = KernelProvider.selected().reductions();

    private ReductionKernels() {}

    /** {@code out[j] = scale · Σ_i X[i, j]}. */
    public static void columnSums(Tensor X, double scale, Tensor out) {
        Check.usable("columnSums", "X", X);
        Check.perColumn("columnSums", X, "X", out, "out");
        Check.sameOrDisjoint("columnSums", out, "out", X, "X");
        if (out.segment().address() == X.segment().address() && X.rows() > 1) {
            throw new IllegalArgumentException("columnSums: out " + out.shapeString() + " must not alias X " + X.shapeString());
        }
        SplitKernels split = SplitKernels.current();
        if (split != null) {
            split.columnSums(X, scale, out);
        } else {
            KERNELS.columnSums(X, scale, out, 0, X.cols());
        }
    }

    /** {@code Σ x²} (the squared Frobenius norm of a matrix). */
    public static double sumSquares(Tensor x) {
        Check.usable("sumSquares", "x", x);
        return KERNELS.sumSquares(x);
    }

    /** {@code Σ |x|} (the L1 norm). */
    public static double sumAbs(Tensor x) {
        Check.usable("sumAbs", "x", x);
        return KERNELS.sumAbs(x);
    }
}

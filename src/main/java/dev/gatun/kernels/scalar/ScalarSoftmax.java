package dev.gatun.kernels.scalar;

import dev.gatun.kernels.Check;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Softmax and softmax cross-entropy row by row in double, shifted by each row's max. */
public final class ScalarSoftmax implements KernelProvider.Softmax {
    ScalarSoftmax() {}

    @Override
    public void softmax(Tensor Z, Tensor P) {
        rows(Z, null, P, false);
    }

    @Override
    public double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ, long fromRow, long toRow) {
        return rows(Z, labels, dZ, true, fromRow, toRow);
    }

    /** Each row's loss is its own term of the sum. */
    @Override
    public long rowBlock(Tensor Z, Tensor dZ) {
        return 1;
    }

    /** Row-wise softmax of Z into out, minus 1 at each row's label and summing the losses when crossEntropy. */
    public static double rows(Tensor Z, MemorySegment labels, Tensor out, boolean crossEntropy) {
        return rows(Z, labels, out, crossEntropy, 0, Z.rows());
    }

    /** {@link #rows(Tensor, MemorySegment, Tensor, boolean)} over rows [fromRow, toRow). */
    public static double rows(Tensor Z, MemorySegment labels, Tensor out, boolean crossEntropy, long fromRow,
                              long toRow) {
        long cols = Z.cols();
        double total = 0;
        for (long i = fromRow; i < toRow; i++) {
            long row = i * cols;
            int y = crossEntropy ? Check.label("softmaxCrossEntropy", labels, i, cols) : -1;
            double zy = crossEntropy ? Z.get(row + y) : 0;
            double max = Double.NEGATIVE_INFINITY;
            for (long j = 0; j < cols; j++) {
                max = Math.max(max, Z.get(row + j));
            }
            double sum = 0;
            for (long j = 0; j < cols; j++) {
                sum += Math.exp(Z.get(row + j) - max);
            }
            for (long j = 0; j < cols; j++) {
                out.set(row + j, Math.exp(Z.get(row + j) - max) / sum - (j == y ? 1 : 0));
            }
            total += crossEntropy ? max + Math.log(sum) - zy : 0;
        }
        return total;
    }
}

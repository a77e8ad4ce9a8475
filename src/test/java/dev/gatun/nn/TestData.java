package dev.gatun.nn;

import dev.gatun.blas.Blas;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Seeded random batches and a plain SGD loop, so nn and train tests need nothing from optim/. */
public final class TestData {
    private TestData() {}

    public static Tensor gaussian(Arena arena, DType dtype, long seed, long rows, long cols) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.allocate(arena, dtype, rows, cols);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextGaussian());
        }
        return t;
    }

    public static Targets.Labels labels(Arena arena, long seed, int rows, int classes) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = random.nextInt(classes);
        }
        return Targets.labels(arena, labels);
    }

    /** Labels a fixed random linear "teacher" assigns to X: argmax of X·T, so a model has something real to learn. */
    public static Targets.Labels teacherLabels(Arena arena, long seed, Tensor X, int classes) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] T = new double[(int) X.cols()][classes];
        for (double[] row : T) {
            for (int c = 0; c < classes; c++) {
                row[c] = random.nextGaussian();
            }
        }
        int[] labels = new int[(int) X.rows()];
        for (int i = 0; i < labels.length; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double score = 0;
                for (int j = 0; j < X.cols(); j++) {
                    score += X.get(i, j) * T[j][c];
                }
                if (score > best) {
                    best = score;
                    labels[i] = c;
                }
            }
        }
        return Targets.labels(arena, labels);
    }

    /** {@code steps} steps of {@code θ −= lr·dθ} on one batch; returns the last cost. */
    public static double sgd(Model model, Tensor X, Targets y, double lr, int steps) {
        double cost = Double.NaN;
        for (int s = 0; s < steps; s++) {
            cost = model.computeGradients(X, y);
            for (Parameter p : model.parameters()) {
                Blas.axpy(-lr, p.grad(), p.value());
            }
        }
        return cost;
    }
}

package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tensors for one agreement case: a (rows, cols) shape, a dtype, and whether every matrix is a row-slice view
 * of a larger tensor whose first and last rows (the frame) no kernel may touch.
 */
final class Fixture implements AutoCloseable {
    /** One agreement case; {@code sliced} places every matrix inside a frame of one extra row above and below. */
    record Shape(DType dtype, long rows, long cols, boolean sliced) {
        @Override
        public String toString() {
            return dtype + " " + rows + "x" + cols + (sliced ? " row-slice view" : "");
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final Shape shape;
    private final List<Tensor> bases = new ArrayList<>();
    private final List<double[]> frames = new ArrayList<>();

    Fixture(Shape shape) {
        this.shape = shape;
    }

    DType dtype() {
        return shape.dtype();
    }

    long size() {
        return shape.rows() * shape.cols();
    }

    /** A matrix of N(0, scale²) values. */
    Tensor random(long seed, double scale) {
        Tensor t = matrix(seed);
        SplittableRandom random = new SplittableRandom(seed * 31 + 7);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, scale * random.nextGaussian());
        }
        return t;
    }

    /** A matrix of 0/1 values. */
    Tensor bits(long seed) {
        Tensor t = matrix(seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextInt(2));
        }
        return t;
    }

    /** A matrix to be written, filled with a sentinel. */
    Tensor output() {
        return matrix(-1).fill(-777.0);
    }

    Tensor copy(Tensor source) {
        Tensor t = matrix(-2);
        t.copyFrom(source);
        return t;
    }

    /** One value per column, N(0, 1). */
    Tensor columns(long seed) {
        Tensor t = Tensor.allocate(arena, shape.dtype(), shape.cols());
        SplittableRandom random = new SplittableRandom(seed);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextGaussian());
        }
        return t;
    }

    Tensor columnsOutput() {
        return Tensor.allocate(arena, shape.dtype(), shape.cols()).fill(-777.0);
    }

    java.lang.foreign.MemorySegment labels(long seed, int classes) {
        int[] labels = new int[(int) shape.rows()];
        SplittableRandom random = new SplittableRandom(seed);
        Arrays.setAll(labels, i -> random.nextInt(classes));
        java.lang.foreign.MemorySegment segment = arena.allocate((long) labels.length * Integer.BYTES);
        java.lang.foreign.MemorySegment.copy(labels, 0, segment, java.lang.foreign.ValueLayout.JAVA_INT, 0, labels.length);
        return segment;
    }

    private Tensor matrix(long seed) {
        if (!shape.sliced()) {
            return Tensor.allocate(arena, shape.dtype(), shape.rows(), shape.cols());
        }
        Tensor base = Tensor.allocate(arena, shape.dtype(), shape.rows() + 2, shape.cols());
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EED);
        for (long k = 0; k < base.size(); k++) {
            base.set(k, random.nextGaussian());
        }
        bases.add(base);
        frames.add(frame(base));
        return base.rowSlice(1, shape.rows() + 1);
    }

    private double[] frame(Tensor base) {
        long cols = base.cols();
        long last = (base.rows() - 1) * cols;
        double[] values = new double[(int) (2 * cols)];
        for (int j = 0; j < cols; j++) {
            values[j] = base.get(j);
            values[(int) cols + j] = base.get(last + j);
        }
        return values;
    }

    /**
     * Runs a kernel and its scalar twin into fresh outputs of {@code outputs} (a matrix, or one value per column)
     * and compares them elementwise; returns the vector kernel's outputs.
     */
    Tensor[] agree(String what, boolean perColumn, int outputs, java.util.function.Consumer<Tensor[]> vector,
                   java.util.function.Consumer<Tensor[]> scalar) {
        Tensor[] v = new Tensor[outputs];
        Tensor[] s = new Tensor[outputs];
        for (int i = 0; i < outputs; i++) {
            v[i] = perColumn ? columnsOutput() : output();
            s[i] = perColumn ? columnsOutput() : output();
        }
        vector.accept(v);
        scalar.accept(s);
        for (int i = 0; i < outputs; i++) {
            if (perColumn) {
                assertColumnSums(s[i], v[i], what + " output " + i);
            } else {
                assertClose(s[i], v[i], what + (outputs > 1 ? " output " + i : ""));
            }
        }
        return v;
    }

    /** Elementwise: {@code |e − a| ≤ tol·(1 + |e|)}, tol by dtype. */
    void assertClose(Tensor expected, Tensor actual, String what) {
        double tol = elementTolerance();
        for (long k = 0; k < expected.size(); k++) {
            double e = expected.get(k);
            double a = actual.get(k);
            if (!(Math.abs(e - a) <= tol * (1 + Math.abs(e)))) {
                fail(what + " [" + shape + "] differs at element " + k + ": scalar twin " + e + ", vector " + a);
            }
        }
    }

    /** A sum over n terms: the elementwise tolerance plus a share growing with √n (rounding errors of a long sum). */
    void assertSum(double expected, double actual, long n, String what) {
        double tol = (elementTolerance() + (dtype() == DType.F32 ? 1e-7 : 1e-15) * Math.sqrt(n)) * (1 + Math.abs(expected));
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(what + " [" + shape + "]: scalar twin " + expected + ", vector " + actual + " (tolerance " + tol + ")");
        }
    }

    /** Per-column sums over the rows. */
    void assertColumnSums(Tensor expected, Tensor actual, String what) {
        for (long j = 0; j < expected.size(); j++) {
            assertSum(expected.get(j), actual.get(j), shape.rows(), what + " column " + j);
        }
    }

    double elementTolerance() {
        return dtype() == DType.F32 ? 4e-6 : 1e-12;
    }

    /** No kernel wrote outside its row-slice view. */
    void assertFramesIntact() {
        for (int i = 0; i < bases.size(); i++) {
            assertArrayEquals(frames.get(i), frame(bases.get(i)), "frame rows of a row-slice view were written [" + shape + "]");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}

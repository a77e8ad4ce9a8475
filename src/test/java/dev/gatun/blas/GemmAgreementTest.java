package dev.gatun.blas;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The native BLAS through the door (OpenBLAS here; BLIS and the reference BLAS in the subclasses, each in a JVM of
 * its own), and the naive {@link Blas#referenceGemm}, against a product computed here on plain
 * double arrays with float64 accumulation. Agreement is relative to the size of the terms:
 * {@code |C - expected| <= tol · (|alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij|)}, with tol 1e-5 for float32 and 1e-12
 * for float64 — a plain relative error would blame BLAS for cancellation in the exact sum.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GemmAgreementTest {
    private static final double[] ALPHAS = {1, -0.75, 1.5, 0.3, 2};
    private static final double[] BETAS = {0, 1, -0.5, 0.25, 2};
    /** Written around row-slice operands: must be exactly what is there afterwards. */
    private static final double SENTINEL = 7777;

    record Case(DType dtype, Transpose transA, Transpose transB, int m, int n, int k, double alpha, double beta,
                boolean viewA, boolean viewB, boolean viewC, long seed) {
        @Override
        public String toString() {
            return dtype + " op(A) " + m + "x" + k + (transA == Transpose.TRANSPOSED ? " (A^T)" : "") + " · op(B) " + k
                    + "x" + n + (transB == Transpose.TRANSPOSED ? " (B^T)" : "") + ", alpha " + alpha + ", beta " + beta
                    + (viewA || viewB || viewC ? ", views " + (viewA ? "A" : "") + (viewB ? "B" : "") + (viewC ? "C" : "") : "")
                    + ", seed " + seed;
        }
    }

    static List<Case> cases() {
        List<int[]> shapes = new ArrayList<>(List.of(
                new int[] {1, 1, 1},      // scalars
                new int[] {1, 37, 19},    // 1×N output
                new int[] {41, 1, 23},    // N×1 output
                new int[] {1, 1, 300},    // a dot product
                new int[] {29, 33, 1},    // an outer product
                new int[] {2, 3, 4},
                new int[] {61, 31, 7},
                new int[] {127, 251, 509} // large primes: no blocking of OpenBLAS's divides them
        ));
        SplittableRandom random = new SplittableRandom(2024);
        int[] dims = {1, 2, 3, 5, 8, 16, 17, 31, 33, 64, 97};
        while (shapes.size() < 28) {
            shapes.add(new int[] {pick(random, dims), pick(random, dims), pick(random, dims)});
        }
        List<Case> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (Transpose transA : Transpose.values()) {
                for (Transpose transB : Transpose.values()) {
                    for (DType dtype : DType.values()) {
                        cases.add(new Case(dtype, transA, transB, s[0], s[1], s[2], ALPHAS[random.nextInt(ALPHAS.length)],
                                BETAS[random.nextInt(BETAS.length)], random.nextBoolean(), random.nextBoolean(),
                                random.nextBoolean(), random.nextLong()));
                    }
                }
            }
        }
        return cases;
    }

    /**
     * Overridden by each subclass with the check that its library is the one answering. An instance method (one
     * instance per class) so that the subclass, and the static block naming its library, is initialised first.
     */
    @BeforeAll
    void theLibraryUnderTestAnswers() {
        assertEquals("openblas", Blas.info().backend(), "these tests compare OpenBLAS with the reference");
    }

    @Test
    void theCasesCoverWhatTheAcceptanceAsksFor() {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 200, cases.size() + " cases");
        assertTrue(cases.stream().anyMatch(c -> c.m() == 1 && c.n() == 1 && c.k() == 1));
        assertTrue(cases.stream().anyMatch(c -> c.m() == 1 && c.n() > 1));
        assertTrue(cases.stream().anyMatch(c -> c.n() == 1 && c.m() > 1));
        assertTrue(cases.stream().anyMatch(c -> c.m() == 127 && c.n() == 251 && c.k() == 509));
        assertTrue(cases.stream().anyMatch(c -> c.alpha() != 1 && c.beta() != 0 && c.beta() != 1));
        for (DType dtype : DType.values()) {
            for (Transpose a : Transpose.values()) {
                for (Transpose b : Transpose.values()) {
                    assertTrue(cases.stream().anyMatch(c -> c.dtype() == dtype && c.transA() == a && c.transB() == b
                            && c.viewA() && c.viewB() && c.viewC()), "all-view case for " + dtype + " " + a + " " + b);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gemmAndTheReferenceMatchFloat64Products(Case c) {
        boolean ta = c.transA() == Transpose.TRANSPOSED;
        boolean tb = c.transB() == Transpose.TRANSPOSED;
        int aRows = ta ? c.k() : c.m(), aCols = ta ? c.m() : c.k();
        int bRows = tb ? c.n() : c.k(), bCols = tb ? c.k() : c.n();
        SplittableRandom random = new SplittableRandom(c.seed());
        double[] a = values(random, c.dtype(), aRows * aCols);
        double[] b = values(random, c.dtype(), bRows * bCols);
        double[] c0 = values(random, c.dtype(), c.m() * c.n());
        double[] expected = new double[c.m() * c.n()];
        double[] scale = new double[c.m() * c.n()];
        for (int i = 0; i < c.m(); i++) {
            for (int j = 0; j < c.n(); j++) {
                double sum = 0;
                double magnitude = 0;
                for (int p = 0; p < c.k(); p++) {
                    double term = (ta ? a[p * c.m() + i] : a[i * c.k() + p]) * (tb ? b[j * c.k() + p] : b[p * c.n() + j]);
                    sum += term;
                    magnitude += Math.abs(term);
                }
                double prior = c.beta() * c0[i * c.n() + j];
                expected[i * c.n() + j] = c.alpha() * sum + prior;
                scale[i * c.n() + j] = Math.abs(c.alpha()) * magnitude + Math.abs(prior);
            }
        }
        double tolerance = c.dtype() == DType.F32 ? 1e-5 : 1e-12;
        try (Arena arena = Arena.ofConfined()) {
            Placed A = Placed.of(arena, c.dtype(), a, aRows, aCols, c.viewA(), random);
            Placed B = Placed.of(arena, c.dtype(), b, bRows, bCols, c.viewB(), random);
            Placed C = Placed.of(arena, c.dtype(), c0, c.m(), c.n(), c.viewC(), random);
            Placed R = Placed.of(arena, c.dtype(), c0, c.m(), c.n(), c.viewC(), random);

            Blas.gemm(c.transA(), c.transB(), c.alpha(), A.tensor, B.tensor, c.beta(), C.tensor);
            Blas.referenceGemm(c.transA(), c.transB(), c.alpha(), A.tensor, B.tensor, c.beta(), R.tensor);

            assertAgrees("Blas.gemm", expected, scale, tolerance, C.tensor);
            assertAgrees("Blas.referenceGemm", expected, scale, tolerance, R.tensor);
            A.assertIntact(a, "A");
            B.assertIntact(b, "B");
            C.assertSurroundingsIntact("C");
            R.assertSurroundingsIntact("C of referenceGemm");
        }
    }

    @Test
    void gemvMatchesFloat64Products() {
        SplittableRandom random = new SplittableRandom(11);
        int[][] shapes = {{1, 1}, {1, 17}, {23, 1}, {7, 5}, {127, 509}, {509, 127}, {64, 64}};
        for (DType dtype : DType.values()) {
            for (int[] s : shapes) {
                for (Transpose trans : Transpose.values()) {
                    int rows = s[0], cols = s[1];
                    boolean t = trans == Transpose.TRANSPOSED;
                    int in = t ? rows : cols, out = t ? cols : rows;
                    double alpha = ALPHAS[random.nextInt(ALPHAS.length)], beta = BETAS[random.nextInt(BETAS.length)];
                    double[] a = values(random, dtype, rows * cols), x = values(random, dtype, in), y0 = values(random, dtype, out);
                    double[] expected = new double[out], scale = new double[out];
                    for (int i = 0; i < out; i++) {
                        double sum = 0, magnitude = 0;
                        for (int j = 0; j < in; j++) {
                            double term = (t ? a[j * cols + i] : a[i * cols + j]) * x[j];
                            sum += term;
                            magnitude += Math.abs(term);
                        }
                        expected[i] = alpha * sum + beta * y0[i];
                        scale[i] = Math.abs(alpha) * magnitude + Math.abs(beta * y0[i]);
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor y = tensor(arena, dtype, y0, out);
                        Blas.gemv(trans, alpha, tensor(arena, dtype, a, rows, cols), tensor(arena, dtype, x, in), beta, y);
                        assertAgrees("gemv " + dtype + " " + rows + "x" + cols + " " + trans, expected, scale,
                                tolerance(dtype), y);
                    }
                }
            }
        }
    }

    @Test
    void axpyScalAndDotMatchFloat64Arithmetic() {
        SplittableRandom random = new SplittableRandom(12);
        for (DType dtype : DType.values()) {
            for (int n : new int[] {1, 2, 7, 127, 509, 1000}) {
                double alpha = ALPHAS[1 + random.nextInt(ALPHAS.length - 1)];
                double[] x = values(random, dtype, n), y = values(random, dtype, n);
                double[] axpy = new double[n], axpyScale = new double[n], scal = new double[n], scalScale = new double[n];
                double dot = 0, dotScale = 0;
                for (int i = 0; i < n; i++) {
                    axpy[i] = alpha * x[i] + y[i];
                    axpyScale[i] = Math.abs(alpha * x[i]) + Math.abs(y[i]);
                    scal[i] = alpha * x[i];
                    scalScale[i] = Math.abs(scal[i]);
                    dot += x[i] * y[i];
                    dotScale += Math.abs(x[i] * y[i]);
                }
                String what = dtype + " n=" + n;
                try (Arena arena = Arena.ofConfined()) {
                    Tensor tx = tensor(arena, dtype, x, n), ty = tensor(arena, dtype, y, n);
                    double actualDot = Blas.dot(tx, ty);
                    assertTrue(Math.abs(actualDot - dot) <= tolerance(dtype) * dotScale,
                            "dot " + what + ": " + actualDot + " vs " + dot);
                    Blas.axpy(alpha, tx, ty);
                    assertAgrees("axpy " + what, axpy, axpyScale, tolerance(dtype), ty);
                    Blas.scal(alpha, tx);
                    assertAgrees("scal " + what, scal, scalScale, tolerance(dtype), tx);
                }
            }
        }
    }

    /** A tensor holding given values, either on its own or as a row slice with sentinel rows above and below. */
    private record Placed(Tensor tensor, Tensor whole, long before) {
        static Placed of(Arena arena, DType dtype, double[] values, int rows, int cols, boolean view, SplittableRandom random) {
            if (!view) {
                Tensor t = GemmAgreementTest.tensor(arena, dtype, values, rows, cols);
                return new Placed(t, t, 0);
            }
            int before = 1 + random.nextInt(3), after = random.nextInt(3);
            Tensor whole = Tensor.allocate(arena, dtype, before + rows + after, cols).fill(SENTINEL);
            Tensor slice = whole.rowSlice(before, before + rows);
            fill(slice, values);
            return new Placed(slice, whole, before);
        }

        void assertIntact(double[] values, String name) {
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], tensor.get(i), name + " was modified at " + i);
            }
            assertSurroundingsIntact(name);
        }

        void assertSurroundingsIntact(String name) {
            long cols = whole.cols();
            for (long i = 0; i < whole.size(); i++) {
                long row = i / cols;
                if (row < before || row >= before + tensor.rows()) {
                    assertEquals(SENTINEL, whole.get(i), "memory around the " + name + " view was written at row " + row);
                }
            }
        }
    }

    static double tolerance(DType dtype) {
        return dtype == DType.F32 ? 1e-5 : 1e-12;
    }

    static void assertAgrees(String what, double[] expected, double[] scale, double tolerance, Tensor actual) {
        assertEquals(expected.length, actual.size(), what + ": size");
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual.get(i) - expected[i]);
            if (!(error <= tolerance * scale[i] + Double.MIN_NORMAL)) {
                fail(what + ": element " + i + " is " + actual.get(i) + ", expected " + expected[i] + " (error "
                        + error + " > " + tolerance + " × " + scale[i] + ")");
            }
        }
    }

    /** Uniform in [-1, 1), rounded to float for F32 so that the reference sees exactly what BLAS sees. */
    static double[] values(SplittableRandom random, DType dtype, int count) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            double x = random.nextDouble(-1, 1);
            v[i] = dtype == DType.F32 ? (float) x : x;
        }
        return v;
    }

    static Tensor tensor(Arena arena, DType dtype, double[] values, long... shape) {
        Tensor t = Tensor.allocate(arena, dtype, shape);
        fill(t, values);
        return t;
    }

    private static void fill(Tensor t, double[] values) {
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
    }

    private static int pick(SplittableRandom random, int[] values) {
        return values[random.nextInt(values.length)];
    }
}

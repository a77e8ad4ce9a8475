package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each split kernel (activations, dropout, column sums, batch norm's passes, softmax cross-entropy) against the same
 * kernel on one thread, bit for bit, over 2 and 3 threads with every call split
 * as finely as the pool allows (a minimum of 1 element per thread), on shapes whose ranges end inside a vector,
 * on a classifier's short rows (whose loss is summed per block of rows) and on rows longer than a vector; the
 * unsplit kernels are themselves checked against the scalar twins by KernelAgreementTest, and the loss here against
 * a naive softmax in double.
 */
class SplitKernelsTest {
    @ParameterizedTest(name = "{0}x{1}, {2} threads")
    @CsvSource({"1, 1000, 2", "37, 256, 2", "37, 256, 3", "1024, 10, 2", "513, 10, 3", "300, 40, 2", "64, 1001, 3",
            "3, 7, 2"})
    void split_kernels_give_the_bits_of_one_thread(int rows, int cols, int threads) {
        try (Arena arena = Arena.ofShared(); SplitKernels split = new SplitKernels(threads, 1)) {
            Tensor Z = random(arena, rows, cols, 1, 3.0);
            Tensor b = random(arena, 1, cols, 2, 1.0).reshape(cols);
            Tensor dA = random(arena, rows, cols, 3, 1.0);
            for (Activation g : Activation.values()) {
                same(split, arena, rows, cols, "biasActivation " + g, out -> ActivationKernels.biasActivation(g, Z, b, out));
                same(split, arena, rows, cols, "activate " + g, out -> ActivationKernels.activate(g, Z, out));
                Tensor A = Tensor.allocate(arena, DType.F32, rows, cols);
                ActivationKernels.activate(g, Z, A);
                same(split, arena, rows, cols, "activationBackward " + g,
                        out -> ActivationKernels.activationBackward(g, dA, A, out));
            }
            Tensor mask = Tensor.allocate(arena, DType.F32, rows, cols);
            same(split, arena, rows, cols, "dropout forward", out -> DropoutKernels.forward(Z, 0.7, 99, mask, out));
            Tensor splitMask = Tensor.allocate(arena, DType.F32, rows, cols);
            try (SplitKernels.Binding _ = split.bind()) {
                DropoutKernels.forward(Z, 0.7, 99, splitMask, Tensor.allocate(arena, DType.F32, rows, cols));
            }
            assertBits("dropout mask", mask, splitMask);
            same(split, arena, rows, cols, "dropout backward", out -> DropoutKernels.backward(dA, mask, out));
            Tensor sums = Tensor.allocate(arena, DType.F32, cols);
            Tensor splitSums = Tensor.allocate(arena, DType.F32, cols);
            ReductionKernels.columnSums(dA, 1.0 / rows, sums);
            try (SplitKernels.Binding _ = split.bind()) {
                ReductionKernels.columnSums(dA, 1.0 / rows, splitSums);
            }
            assertBits("columnSums", sums, splitSums);
            batchNorm(split, arena, Z, dA, rows, cols);
        }
    }

    @ParameterizedTest(name = "{0}x{1}, {2} threads")
    @CsvSource({"1024, 10, 2", "1024, 10, 3", "513, 10, 2", "300, 40, 3", "77, 1001, 2", "5, 3, 2"})
    void split_softmax_cross_entropy_gives_the_loss_and_gradient_of_one_thread(int rows, int cols, int threads) {
        try (Arena arena = Arena.ofShared(); SplitKernels split = new SplitKernels(threads, 1)) {
            Tensor Z = random(arena, rows, cols, 4, 5.0);
            MemorySegment labels = arena.allocate(4L * rows, 4);
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < rows; i++) {
                labels.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt(cols));
            }
            Tensor serial = Tensor.allocate(arena, DType.F32, rows, cols);
            Tensor parallel = Tensor.allocate(arena, DType.F32, rows, cols);
            double serialLoss = SoftmaxKernels.softmaxCrossEntropy(Z, labels, serial);
            double splitLoss;
            try (SplitKernels.Binding _ = split.bind()) {
                splitLoss = SoftmaxKernels.softmaxCrossEntropy(Z, labels, parallel);
            }
            assertBits("softmax cross-entropy dZ", serial, parallel);
            assertEquals(Double.doubleToLongBits(serialLoss), Double.doubleToLongBits(splitLoss),
                    "loss " + serialLoss + " on one thread, " + splitLoss + " split");
            assertEquals(naiveLoss(Z, labels), splitLoss, 1e-5 * Math.abs(splitLoss), "against a naive softmax in double");
        }
    }

    @Test
    void a_bad_label_found_by_a_worker_is_reported_as_on_one_thread() {
        int rows = 1024;
        try (Arena arena = Arena.ofShared(); SplitKernels split = new SplitKernels(2, 1)) {
            Tensor Z = random(arena, rows, 10, 6, 1.0);
            MemorySegment labels = arena.allocate(4L * rows, 4);
            labels.setAtIndex(ValueLayout.JAVA_INT, rows - 1, 10);
            Tensor dZ = Tensor.allocate(arena, DType.F32, rows, 10);
            IllegalArgumentException serial = assertThrows(IllegalArgumentException.class,
                    () -> SoftmaxKernels.softmaxCrossEntropy(Z, labels, dZ));
            try (SplitKernels.Binding _ = split.bind()) {
                IllegalArgumentException parallel = assertThrows(IllegalArgumentException.class,
                        () -> SoftmaxKernels.softmaxCrossEntropy(Z, labels, dZ));
                assertEquals(serial.getMessage(), parallel.getMessage());
            }
        }
    }

    @Test
    void binding_is_per_thread_and_undone_by_closing_it() throws InterruptedException {
        try (SplitKernels split = new SplitKernels(2)) {
            assertNull(SplitKernels.current());
            try (SplitKernels.Binding _ = split.bind()) {
                assertSame(split, SplitKernels.current());
                SplitKernels[] seen = new SplitKernels[1];
                Thread other = new Thread(() -> seen[0] = SplitKernels.current());
                other.start();
                other.join();
                assertNull(seen[0], "another thread does not split");
                IllegalStateException twice = assertThrows(IllegalStateException.class, split::bind);
                assertTrue(twice.getMessage().contains("already bound"), twice.getMessage());
            }
            assertNull(SplitKernels.current());
        }
    }

    @Test
    void ranges_start_on_the_alignment_and_cover_the_whole() {
        for (long n : new long[]{1, 15, 16, 17, 1000, 100_003}) {
            for (int chunks = 1; chunks <= 5; chunks++) {
                assertEquals(0, SplitKernels.boundary(n, 0, chunks));
                assertEquals(n, SplitKernels.boundary(n, chunks, chunks));
                for (int c = 1; c < chunks; c++) {
                    long at = SplitKernels.boundary(n, c, chunks);
                    assertEquals(0, at % SplitKernels.ALIGNMENT, n + " in " + chunks + ": start of chunk " + c);
                    assertTrue(at >= SplitKernels.boundary(n, c - 1, chunks) && at <= n);
                }
            }
        }
    }

    /** Batch norm's four bulk passes, each on one thread and split. */
    private static void batchNorm(SplitKernels split, Arena arena, Tensor Z, Tensor G, int rows, int cols) {
        Tensor[] serial = columns(arena, cols, 6);
        Tensor[] parallel = columns(arena, cols, 6);
        Tensor gamma = random(arena, 1, cols, 7, 2.0).reshape(cols);
        Tensor beta = random(arena, 1, cols, 8, 1.0).reshape(cols);
        Tensor[] zhat = {Tensor.allocate(arena, DType.F32, rows, cols), Tensor.allocate(arena, DType.F32, rows, cols)};
        Tensor[] out = {Tensor.allocate(arena, DType.F32, rows, cols), Tensor.allocate(arena, DType.F32, rows, cols)};
        Tensor[] dZ = {Tensor.allocate(arena, DType.F32, rows, cols), Tensor.allocate(arena, DType.F32, rows, cols)};
        for (int run = 0; run < 2; run++) {
            Tensor[] t = run == 0 ? serial : parallel;
            try (SplitKernels.Binding _ = run == 0 ? null : split.bind()) {
                BatchNormKernels.meanVariance(Z, t[0], t[1]);
                BatchNormKernels.inverseStd(t[1], 1e-5, t[2]);
                BatchNormKernels.normalize(Z, t[0], t[2], gamma, beta, zhat[run], out[run]);
                BatchNormKernels.backwardSums(G, zhat[run], t[3], t[4]);
                BatchNormKernels.backwardInput(G, zhat[run], gamma, t[2], t[3], t[4], dZ[run]);
            }
        }
        String[] names = {"mean", "var", "invStd", "dgamma", "dbeta"};
        for (int k = 0; k < names.length; k++) {
            assertBits("batch norm " + names[k], serial[k], parallel[k]);
        }
        assertBits("batch norm Zhat", zhat[0], zhat[1]);
        assertBits("batch norm Ztilde", out[0], out[1]);
        assertBits("batch norm dZ", dZ[0], dZ[1]);
    }

    private static Tensor[] columns(Arena arena, int cols, int count) {
        Tensor[] t = new Tensor[count];
        for (int k = 0; k < count; k++) {
            t[k] = Tensor.allocate(arena, DType.F32, cols);
        }
        return t;
    }

    /** Runs {@code kernel} into a fresh output unbound and bound to {@code split}; the outputs must match bit for bit. */
    private static void same(SplitKernels split, Arena arena, int rows, int cols, String what, Consumer<Tensor> kernel) {
        Tensor serial = Tensor.allocate(arena, DType.F32, rows, cols);
        Tensor parallel = Tensor.allocate(arena, DType.F32, rows, cols);
        kernel.accept(serial);
        try (SplitKernels.Binding _ = split.bind()) {
            kernel.accept(parallel);
        }
        assertBits(what, serial, parallel);
    }

    private static void assertBits(String what, Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        if (!Arrays.equals(e, a)) {
            int k = Arrays.mismatch(e, a);
            throw new AssertionError(what + " " + expected.shapeString() + ": element " + k + " is " + e[k]
                    + " on one thread, " + a[k] + " split");
        }
    }

    private static Tensor random(Arena arena, int rows, int cols, long seed, double scale) {
        Tensor t = Tensor.allocate(arena, DType.F32, rows, cols);
        SplittableRandom random = new SplittableRandom(seed);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, (random.nextDouble() * 2 - 1) * scale);
        }
        return t;
    }

    private static double naiveLoss(Tensor Z, MemorySegment labels) {
        double total = 0;
        long cols = Z.cols();
        for (long i = 0; i < Z.rows(); i++) {
            double sum = 0;
            for (long j = 0; j < cols; j++) {
                sum += Math.exp(Z.get(i * cols + j));
            }
            total += Math.log(sum) - Z.get(i * cols + labels.getAtIndex(ValueLayout.JAVA_INT, i));
        }
        return total;
    }
}

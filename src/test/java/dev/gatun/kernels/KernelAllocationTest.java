package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.ChildJvm;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 kernels of a training step allocate nothing once compiled, on row widths with and without a partial
 * last vector whatever the lane count (8 with AVX2, 16 with AVX-512: 37 and 1001 have a tail with both, 64 with
 * neither, 40 and 1000 with 16 lanes only). A boxed vector is
 * the usual failure: an operation C2 did not inline, after a kernel grew past its inlining budget.
 */
class KernelAllocationTest {
    /**
     * Each width runs in a JVM of its own, as a training process would: in the suite's shared JVM, the profiles
     * earlier tests left behind made C2 compile one of these kernels without inlining an operation, so that it boxed
     * (4.99 MB per 100 steps at 37 and 40 columns, in about one full run in five). {@link
     * #stepKernelsAllocateNothingWhenOtherSpeciesRanFirst} makes that situation on purpose.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 37, 40, 64, 1000, 1001})
    void stepKernelsAllocateNothingInSteadyState(int cols, @TempDir Path dir) throws Exception {
        assertFewestBytesZero(dir, cols, false);
    }

    /**
     * The same after vector code of every other species has run in the process, in a child with the launcher's JIT
     * flags (under which C2 compiles Gatun's methods early). The Vector API's methods then carry type profiles with
     * classes the kernels never use; a kernel that calls one on a vector C2 types only as {@code FloatVector} (one that
     * comes around a loop), or calls FastExp.exp where C2 would not inline it, boxes vectors on every call.
     * BENCHMARKS.md, "The slow runs found", has what this caught and what it did not.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 37, 1001})
    void stepKernelsAllocateNothingWhenOtherSpeciesRanFirst(int cols, @TempDir Path dir) throws Exception {
        assertFewestBytesZero(dir, cols, true);
    }

    private static void assertFewestBytesZero(Path dir, int cols, boolean otherSpeciesFirst) throws Exception {
        List<String> flags = otherSpeciesFirst ? ChildJvm.launcherJitFlags() : List.of();
        ChildJvm.Result result = ChildJvm.run(dir,
                Stream.concat(Stream.of("--add-modules=jdk.incubator.vector"), flags.stream()).toList(), Probe.class,
                List.of(Integer.toString(cols), Boolean.toString(otherSpeciesFirst)));
        assertEquals(0, result.exit(), result.toString());
        String line = result.stdout().strip();
        assertTrue(line.startsWith("fewest "), result.toString());
        assertEquals(0, Long.parseLong(line.substring("fewest ".length())),
                "bytes allocated by 100 steps of the kernels on rows of " + cols + " (best round)"
                        + (otherSpeciesFirst ? ", after vector code of every other species ran" : ""));
    }

    /**
     * Prints the fewest bytes 100 steps of the kernels allocated over up to 1000 rounds, on rows of args[0]; with
     * args[1] true, after {@link OtherSpecies#run}.
     */
    public static final class Probe {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        public static void main(String[] args) {
            int cols = Integer.parseInt(args[0]);
            double other = Boolean.parseBoolean(args[1]) ? OtherSpecies.run(2_000) : 0;
            int rows = 65;  // not a multiple of 8 or 16: the short-row blocks end in a partial block too
            SplittableRandom random = new SplittableRandom(cols);
            try (Arena arena = Arena.ofConfined()) {
                Tensor Z = gaussian(arena, random, rows, cols);
                Tensor A = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor dA = gaussian(arena, random, rows, cols);
                Tensor dZ = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor b = gaussian(arena, random, cols);
                Tensor db = Tensor.allocate(arena, DType.F32, cols);
                Tensor Y = Tensor.allocate(arena, DType.F32, rows, cols).fill(0.25);
                Tensor mean = Tensor.allocate(arena, DType.F32, cols);
                Tensor var = Tensor.allocate(arena, DType.F32, cols);
                Tensor invStd = Tensor.allocate(arena, DType.F32, cols);
                Tensor gamma = gaussian(arena, random, cols);
                Tensor dgamma = Tensor.allocate(arena, DType.F32, cols);
                Tensor Zhat = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor M = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor W = gaussian(arena, random, rows, cols);
                Tensor v = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor s = Tensor.allocate(arena, DType.F32, rows, cols);
                long n = W.size();
                MemorySegment labels = arena.allocate(ValueLayout.JAVA_INT, rows);
                for (int i = 0; i < rows; i++) {
                    labels.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt(cols));
                }
                double[] sink = new double[1];
                Activation[] activations = Activation.values();
                Runnable step = () -> {
                    for (Activation g : activations) {
                        ActivationKernels.biasActivation(g, Z, b, A);
                        ActivationKernels.activationBackward(g, dA, A, dZ);
                    }
                    ReductionKernels.columnSums(dZ, 0.5, db);
                    sink[0] += ReductionKernels.sumSquares(Z) + ReductionKernels.sumAbs(Z);
                    SoftmaxKernels.softmax(Z, A);
                    sink[0] += SoftmaxKernels.softmaxCrossEntropy(Z, labels, dZ);
                    sink[0] += LossKernels.sigmoidCrossEntropy(Z, Y, dZ) + LossKernels.squaredError(Z, Y, dZ);
                    BatchNormKernels.meanVariance(Z, mean, var);
                    BatchNormKernels.inverseStd(var, 1e-5, invStd);
                    BatchNormKernels.normalize(Z, mean, invStd, gamma, b, Zhat, A);
                    BatchNormKernels.backwardSums(dA, Zhat, dgamma, db);
                    BatchNormKernels.backwardInput(dA, Zhat, gamma, invStd, dgamma, db, dZ);
                    DropoutKernels.forward(A, 0.8, 42, M, dZ);
                    DropoutKernels.backward(dA, M, dZ);
                    RegularizationKernels.addScaled(dZ, W, 1e-4);
                    RegularizationKernels.addScaledSign(dZ, W, 1e-4);
                    OptimizerKernels.sgd(DType.F32, W.segment(), dZ.segment(), n, 1e-9);
                    OptimizerKernels.momentum(DType.F32, W.segment(), dZ.segment(), v.segment(), n, 1e-9, 0.9);
                    OptimizerKernels.rmsprop(DType.F32, W.segment(), dZ.segment(), s.segment(), n, 1e-9, 0.999, 1e-8);
                    OptimizerKernels.adam(DType.F32, W.segment(), dZ.segment(), v.segment(), s.segment(), n, 1e-9, 0.9,
                            0.999, 1e-8, 10);
                };
                // Until C2 has compiled every kernel they box (measured: the short-row max reached C2 only after
                // ~1.4 s of calls on a quiet machine, later under a loaded CI). A real allocation shows in every
                // round, so the first clean round, of up to 1000, proves there is none; only a failure runs them all.
                long fewest = Long.MAX_VALUE;
                for (int round = 0; round < 1000 && fewest > 0; round++) {
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    for (int k = 0; k < 100; k++) {
                        step.run();
                    }
                    fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - before);
                }
                // The scalar twins allocate nothing either: a child that fell back to them would pass for nothing.
                System.out.println(Vectorization.enabled() ? "fewest " + fewest + (sink[0] + other == 42 ? " " : "")
                        : "kernels: scalar");
            }
        }

        private static Tensor gaussian(Arena arena, SplittableRandom random, long... shape) {
            Tensor t = Tensor.allocate(arena, DType.F32, shape);
            for (long k = 0; k < t.size(); k++) {
                t.set(k, random.nextGaussian());
            }
            return t;
        }
    }
}

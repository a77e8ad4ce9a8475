package dev.gatun.optim;

import dev.gatun.kernels.SplitKernels;
import dev.gatun.nn.Parameter;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each update rule split across 2 and 3 threads against the same rule on one thread, bit for bit over several steps
 * (values, state and the non-finite result), on parameters whose sizes end inside a vector and whose joined index
 * space the threads cut inside a parameter; and the folded explosion check: a NaN or ±∞ reaching W is reported as
 * the first parameter holding one, split or not.
 */
class OptimizerSplitTest {
    private static final long[][] SHAPES = {{37, 29}, {37}, {5, 300}, {5}, {1}};

    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void a_split_step_gives_the_bits_of_one_thread(Optimizer.Kind kind) {
        for (int threads = 2; threads <= 3; threads++) {
            try (Arena arena = Arena.ofShared(); SplitKernels split = new SplitKernels(threads, 1);
                 Optimizer serial = OptimizerTest.create(kind); Optimizer parallel = OptimizerTest.create(kind)) {
                List<Parameter> a = parameters(arena, 1);
                List<Parameter> b = parameters(arena, 1);
                for (int step = 1; step <= 5; step++) {
                    gradients(a, 100 + step);
                    gradients(b, 100 + step);
                    assertEquals(-1, serial.step(a));
                    int found;
                    try (SplitKernels.Binding _ = split.bind()) {
                        found = parallel.step(b);
                    }
                    assertEquals(-1, found);
                    for (int i = 0; i < a.size(); i++) {
                        assertBits(kind + ", " + threads + " threads, step " + step + ", " + a.get(i).name(),
                                a.get(i).value().toFloatArray(), b.get(i).value().toFloatArray());
                    }
                    List<Tensor> sa = serial.state();
                    List<Tensor> sb = parallel.state();
                    for (int k = 0; k < sa.size(); k++) {
                        assertBits(kind + " state " + serial.stateNames().get(k), sa.get(k).toFloatArray(),
                                sb.get(k).toFloatArray());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void the_first_parameter_gone_non_finite_is_reported_split_or_not(Optimizer.Kind kind) {
        for (float poison : new float[]{Float.NaN, Float.POSITIVE_INFINITY}) {
            for (int threads = 1; threads <= 2; threads++) {
                try (Arena arena = Arena.ofShared(); SplitKernels split = new SplitKernels(threads, 1);
                     Optimizer optimizer = OptimizerTest.create(kind)) {
                    List<Parameter> params = parameters(arena, 2);
                    gradients(params, 7);
                    try (SplitKernels.Binding _ = split.bind()) {
                        assertEquals(-1, optimizer.step(params));
                        // A bad gradient near the end of parameter 2 (cut by the threads) and in parameter 4.
                        params.get(2).grad().set(1499, poison);
                        params.get(4).grad().set(0, poison);
                        int found = optimizer.step(params);
                        assertEquals(2, found, kind + " with " + poison + " on " + threads + " threads");
                        assertTrue(!Float.isFinite(params.get(2).value().toFloatArray()[1499]));
                    }
                }
            }
        }
    }

    private static List<Parameter> parameters(Arena arena, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Parameter[] params = new Parameter[SHAPES.length];
        for (int i = 0; i < SHAPES.length; i++) {
            Tensor value = Tensor.allocate(arena, DType.F32, SHAPES[i]);
            for (long k = 0; k < value.size(); k++) {
                value.set(k, random.nextDouble() - 0.5);
            }
            params[i] = new Parameter("p" + i, value, Tensor.allocate(arena, DType.F32, SHAPES[i]), SHAPES[i].length == 2);
        }
        return List.of(params);
    }

    private static void gradients(List<Parameter> params, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Parameter p : params) {
            for (long k = 0; k < p.grad().size(); k++) {
                p.grad().set(k, random.nextDouble() * 0.2 - 0.1);
            }
        }
    }

    private static void assertBits(String what, float[] expected, float[] actual) {
        if (!Arrays.equals(expected, actual)) {
            int k = Arrays.mismatch(expected, actual);
            throw new AssertionError(what + ": element " + k + " is " + expected[k] + " on one thread, " + actual[k]
                    + " split");
        }
    }
}

package dev.gatun.optim;

import dev.gatun.nn.Parameter;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A steady-state step allocates nothing on the Java heap. Until C2 has compiled the kernels the Vector API
 * boxes its vectors, so the test steps in rounds and passes once a whole round allocates 0 bytes; an optimizer
 * that allocates per step (an iterator, a copied shape, a boxed list) never gets there.
 */
class OptimizerAllocationTest {
    private static final int ROUNDS = 200;
    private static final int STEPS_PER_ROUND = 2_000;

    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void steadyStateStepAllocatesNothing(Optimizer.Kind kind) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        try (Arena arena = Arena.ofConfined(); Optimizer optimizer = OptimizerTest.create(kind)) {
            optimizer.setLearningRate(1e-6);
            List<Parameter> params = List.of(
                    new Parameter("W1", Tensor.allocate(arena, DType.F32, 16, 37).fill(0.5),
                            Tensor.allocate(arena, DType.F32, 16, 37).fill(0.01), true),
                    new Parameter("b1", Tensor.allocate(arena, DType.F32, 37), Tensor.allocate(arena, DType.F32, 37).fill(0.01),
                            false),
                    new Parameter("W2", Tensor.allocate(arena, DType.F64, 5, 21).fill(0.5),
                            Tensor.allocate(arena, DType.F64, 5, 21).fill(0.01), true));
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                long before = threads.getThreadAllocatedBytes(self);
                for (int i = 0; i < STEPS_PER_ROUND; i++) {
                    optimizer.step(params);
                }
                long after = threads.getThreadAllocatedBytes(self);
                fewest = Math.min(fewest, after - before);
            }
            assertEquals(0, fewest, kind + ": fewest bytes allocated by " + STEPS_PER_ROUND + " steps in any of "
                    + ROUNDS + " rounds");
        }
    }
}

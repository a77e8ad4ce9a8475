package dev.gatun.train;

import dev.gatun.ChildJvm;
import dev.gatun.activation.Activation;
import dev.gatun.data.FashionMnist;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.kernels.OtherSpecies;
import dev.gatun.kernels.Vectorization;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job's training, in a JVM where vector code of every other species ran first and with the launcher's JIT
 * flags, allocates next to nothing after its first epoch (which holds the JIT warm-up). With those profiles C2 left
 * vector calls in kernels, or threw the optimizer's compilation away again and again on failed loop predicates
 * (BENCHMARKS.md, "The slow runs found"); either way the steps allocated on every call, 1.3–2.1 GB in epoch 2. The
 * kernel tests cover the kernels one by one; this covers them as the trainer calls them, on its threads.
 */
class TrainingAllocationTest {
    /** Epochs 2 and 3 allocated at most a few megabytes in normal runs; the failures, gigabytes. */
    private static final long BOUND = 256L << 20;

    @Test
    void epochsAfterTheFirstAllocateLittleAfterOtherSpeciesRan(@TempDir Path dir) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector", "-XX:+UseSerialGC",
                "-Xmx512m"));
        flags.addAll(ChildJvm.launcherJitFlags());
        ChildJvm.Result result = ChildJvm.run(dir, flags, Probe.class, List.of());
        assertEquals(0, result.exit(), result.toString());
        String line = result.stdout().strip();
        assertTrue(line.startsWith("epochs 2-3 allocated "), result.toString());
        long bytes = Long.parseLong(line.substring("epochs 2-3 allocated ".length()));
        assertTrue(bytes <= BOUND, "bytes allocated by every thread in epochs 2 and 3: " + bytes + "\n" + result);
    }

    /** Trains the main job's network for three epochs after {@link OtherSpecies#run}; prints epochs 2-3's bytes. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            if (!Vectorization.enabled()) {
                System.out.println("kernels: scalar");
                return;
            }
            double other = OtherSpecies.run(2_000);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] atEnd = new long[4];
            try (MnistDirectory data = FashionMnist.load();
                 Arena arena = Arena.ofShared();
                 Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                         .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(42).build(arena);
                 Optimizer adam = Optimizer.adam(1e-3);
                 Trainer trainer = Trainer.builder(model, adam, data.train()).normalization(Normalization.scaleToUnit(784))
                         .batchSize(128).epochs(3).seed(42).listener(new TrainingListener() {
                             @Override
                             public void epochFinished(EpochStats stats) {
                                 atEnd[stats.epoch()] = threads.getTotalThreadAllocatedBytes();
                             }
                         }).build()) {
                atEnd[0] = threads.getTotalThreadAllocatedBytes();
                trainer.run();
            }
            System.err.println("epochs 1, 2, 3 allocated " + (atEnd[1] - atEnd[0]) + ", " + (atEnd[2] - atEnd[1]) + ", "
                    + (atEnd[3] - atEnd[2]));
            System.out.println("epochs 2-3 allocated " + (atEnd[3] - atEnd[1]) + (other == 42 ? " " : ""));
        }
    }
}

package dev.gatun.configurations;

import dev.gatun.ChildJvm;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.Vectorization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelSwitchSlice} in the three JVM configurations a service may run: as the build runs tests (with
 * {@code --add-modules jdk.incubator.vector}: the Vector API kernels), with {@code -Dgatun.kernels=scalar}, and
 * without {@code --add-modules}, where loading a Predictor, building an Adam optimizer or drawing a batch must not
 * touch a Vector API class. The last two run in child JVMs started from this JDK with this test's class path.
 */
class KernelConfigurationsTest {
    @TempDir
    Path dir;

    @Test
    void defaultConfigurationRunsTheSliceOnTheVectorKernels() throws IOException {
        KernelSwitchSlice.run(dir);
        assertTrue(Vectorization.enabled(), "the build runs tests with --add-modules jdk.incubator.vector");
        assertEquals("vector", KernelProvider.selected().name());
    }

    @Test
    void withoutTheVectorModuleTheSliceRunsOnTheScalarKernelsAndTheLogNamesTheFlag() throws Exception {
        ChildJvm.Result child = runSlice(List.of());
        assertTrue(child.stdout().contains("kernels=scalar"), child.toString());
        assertTrue(child.stderr().contains("kernels: scalar") && child.stderr().contains(Vectorization.FLAG), child.toString());
        assertTrue(!child.stderr().contains("NoClassDefFoundError"), child.toString());
    }

    @Test
    void scalarPropertyRunsTheSliceOnTheScalarKernels() throws Exception {
        ChildJvm.Result child = runSlice(List.of("--add-modules=jdk.incubator.vector", "-D" + Vectorization.PROPERTY + "=scalar"));
        assertTrue(child.stdout().contains("kernels=scalar"), child.toString());
        assertTrue(child.stderr().contains("kernels: scalar (-D" + Vectorization.PROPERTY + "=scalar"), child.toString());
    }

    private ChildJvm.Result runSlice(List<String> flags) throws IOException, InterruptedException {
        ChildJvm.Result child = ChildJvm.run(dir, flags, KernelSwitchSlice.class, List.of());
        assertEquals(0, child.exit(), child.toString());
        return child;
    }
}

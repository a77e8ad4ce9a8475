package dev.gatun.configurations;

import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.Vectorization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link KernelSwitchSlice} in the three JVM configurations a service may run: as the build runs tests (with
 * {@code --add-modules jdk.incubator.vector}: the Vector API kernels), with {@code -Dgatun.kernels=scalar}, and
 * without {@code --add-modules}, where loading a Predictor, building an Adam optimizer or drawing a batch must not
 * touch a Vector API class. The last two run in child JVMs started from this JDK with this test's class path.
 */
class KernelConfigurationsTest {
    /** Generous for a few seconds of work on a loaded two-core machine; a hang fails instead of blocking the build. */
    private static final long CHILD_TIMEOUT_SECONDS = 300;

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
        Child child = runSlice(List.of());
        assertTrue(child.stdout.contains("kernels=scalar"), child.toString());
        assertTrue(child.stderr.contains("kernels: scalar") && child.stderr.contains(Vectorization.FLAG), child.toString());
        assertTrue(!child.stderr.contains("NoClassDefFoundError"), child.toString());
    }

    @Test
    void scalarPropertyRunsTheSliceOnTheScalarKernels() throws Exception {
        Child child = runSlice(List.of("--add-modules=jdk.incubator.vector", "-D" + Vectorization.PROPERTY + "=scalar"));
        assertTrue(child.stdout.contains("kernels=scalar"), child.toString());
        assertTrue(child.stderr.contains("kernels: scalar (-D" + Vectorization.PROPERTY + "=scalar"), child.toString());
    }

    private record Child(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Child runSlice(List<String> flags) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KernelSwitchSlice.class.getName());
        Path out = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("the child JVM " + command + " did not finish within " + CHILD_TIMEOUT_SECONDS + " s:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        Child child = new Child(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertEquals(0, child.exit, child.toString());
        return child;
    }
}

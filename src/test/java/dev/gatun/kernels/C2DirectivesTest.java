package dev.gatun.kernels;

import dev.gatun.kernels.vector.FastExp;
import dev.gatun.ChildJvm;
import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiler directives the launcher passes (native/c2-directives.json): HotSpot accepts the file, every pattern
 * names methods this JDK (or Gatun) has (a renamed fallback would otherwise quietly go back to costing C2 time), and with the
 * file installed the kernels still compile to allocation-free vector code, which they would not if excluding the
 * fallbacks kept C2 from intrinsifying the Vector API inside a kernel.
 */
class C2DirectivesTest {
    private static final Path FILE = Path.of("native", "c2-directives.json");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    @Test
    void everyPatternNamesMethodsOfThisJdk() throws IOException, ClassNotFoundException {
        List<String> patterns = patterns();
        assertFalse(patterns.isEmpty(), "no match patterns in " + FILE);
        List<Class<?>> classes = vectorClasses();
        for (String pattern : patterns) {
            int dot = pattern.lastIndexOf('.');
            String classPattern = pattern.substring(0, dot).replace('/', '.');
            String methodPattern = pattern.substring(dot + 1);
            if (classPattern.contains("$$Lambda")) {
                // Lambda classes are spun at run time: their host class is what can be checked here.
                String host = classPattern.substring(0, classPattern.indexOf("$$Lambda"));
                Class<?> type = type(host);
                assertTrue(Arrays.stream(type.getDeclaredMethods()).anyMatch(m -> m.getName().startsWith("lambda$")),
                        pattern + ": " + host + " has no lambdas");
                continue;
            }
            boolean found = false;
            for (Class<?> type : classes) {
                if (!matches(classPattern, type.getName())) {
                    continue;
                }
                for (Method m : type.getDeclaredMethods()) {
                    found |= matches(methodPattern, m.getName());
                }
            }
            assertTrue(found, pattern + " matches no method of this JDK (" + System.getProperty("java.version") + ")");
        }
    }

    @Test
    void hotspotInstallsTheFileAndTheKernelsStillCompileToVectorCode(@TempDir Path dir) throws Exception {
        ChildJvm.Result result = ChildJvm.run(dir, List.of("--add-modules=jdk.incubator.vector",
                        "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + FILE.toAbsolutePath()),
                KernelLoop.class, List.of());
        assertEquals(0, result.exit(), result.toString());
        assertTrue(result.stdout().contains("2 compiler directives added"), result.toString());
        assertFalse(result.stdout().toLowerCase(java.util.Locale.ROOT).contains("error"), result.toString());
        assertTrue(result.stdout().contains("kernels: vector"), result.toString());
        assertTrue(result.stdout().contains("fewest bytes: 0"), result.toString());
    }

    /** The step's kernels run until a round of calls allocates nothing (at most 1000 rounds), in a child JVM. */
    public static final class KernelLoop {
        public static void main(String[] args) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int rows = 65;
            int cols = 37;
            try (Arena arena = Arena.ofConfined()) {
                Tensor Z = filled(arena, rows, cols);
                Tensor A = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor dZ = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor b = filled(arena, cols);
                Tensor db = Tensor.allocate(arena, DType.F32, cols);
                Tensor v = Tensor.allocate(arena, DType.F32, rows, cols);
                Tensor s = Tensor.allocate(arena, DType.F32, rows, cols);
                MemorySegment labels = arena.allocate(ValueLayout.JAVA_INT, rows);
                for (int i = 0; i < rows; i++) {
                    labels.setAtIndex(ValueLayout.JAVA_INT, i, i % cols);
                }
                double[] sink = new double[1];
                Runnable step = () -> {
                    ActivationKernels.biasActivation(Activation.RELU, Z, b, A);
                    sink[0] += SoftmaxKernels.softmaxCrossEntropy(A, labels, dZ);
                    ActivationKernels.activationBackward(Activation.RELU, dZ, A, dZ);
                    ReductionKernels.columnSums(dZ, 0.5, db);
                    OptimizerKernels.adam(DType.F32, A.segment(), dZ.segment(), v.segment(), s.segment(), A.size(),
                            1e-3, 0.9, 0.999, 1e-8, 1);
                };
                long fewest = Long.MAX_VALUE;
                for (int round = 0; round < 1000 && fewest > 0; round++) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int k = 0; k < 100; k++) {
                        step.run();
                    }
                    fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
                }
                System.out.println("kernels: " + (Vectorization.enabled() ? "vector" : "scalar"));
                System.out.println("fewest bytes: " + fewest + " (sink " + sink[0] + ")");
            }
        }

        private static Tensor filled(Arena arena, long... shape) {
            Tensor t = Tensor.allocate(arena, DType.F32, shape);
            for (long k = 0; k < t.size(); k++) {
                t.set(k, Math.sin(k * 0.37));
            }
            return t;
        }
    }

    private static List<String> patterns() throws IOException {
        String text = Files.readString(FILE);
        List<String> patterns = new ArrayList<>();
        for (int at = text.indexOf("match:"); at >= 0; at = text.indexOf("match:", at + 1)) {
            Matcher m = QUOTED.matcher(text.substring(at, text.indexOf("]", at)));
            while (m.find()) {
                patterns.add(m.group(1));
            }
        }
        return patterns;
    }

    /** HotSpot's method patterns: a leading and/or trailing {@code *}, nothing else. */
    private static boolean matches(String pattern, String name) {
        if (pattern.equals("*")) {
            return true;
        }
        boolean prefix = pattern.endsWith("*");
        boolean suffix = pattern.startsWith("*");
        String core = pattern.substring(suffix ? 1 : 0, pattern.length() - (prefix ? 1 : 0));
        return prefix && suffix ? name.contains(core) : prefix ? name.startsWith(core)
                : suffix ? name.endsWith(core) : name.equals(core);
    }

    /** Loaded, not initialized: some classes' initializers load native libraries this test has no use for. */
    private static Class<?> type(String name) throws ClassNotFoundException {
        return Class.forName(name, false, ClassLoader.getSystemClassLoader());
    }

    /** The Vector API's classes, and the Gatun classes the file names. */
    private static List<Class<?>> vectorClasses() throws IOException, ClassNotFoundException {
        List<Class<?>> classes = new ArrayList<>();
        classes.add(type("jdk.internal.vm.vector.VectorSupport"));
        classes.add(FastExp.class);
        classes.add(type("dev.gatun.serve.Predictor"));
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        try (Stream<Path> files = Files.list(jrt.getPath("/modules/jdk.incubator.vector/jdk/incubator/vector"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = p.getFileName().toString();
                classes.add(type("jdk.incubator.vector." + name.substring(0, name.length() - ".class".length())));
            }
        }
        return classes;
    }
}

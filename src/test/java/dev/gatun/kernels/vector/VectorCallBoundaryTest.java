package dev.gatun.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No method of the vector kernels passes a vector, mask or shuffle across a call. C2 inlines the Vector API's own
 * methods always, ours only while its node budget for the compilation lasts; where one of ours stays a call, its
 * vector arguments and result are boxed on every call. A kernel inlined deep into a large caller such as
 * {@code Model.computeGradients} is where the budget runs out, and only in some compilations, so an allocation test
 * catches it only now and then; this test checks the rule itself.
 *
 * <p>The one exception is {@link FastExp#exp(FloatVector)}: e^x is some twenty vector operations used inside five
 * kernel loops, and written out at each it would be a hundred lines; the allocation tests of the kernels that use it
 * (KernelAllocationTest, the benchmarks' {@code -prof gc}) are what watch it.
 */
class VectorCallBoundaryTest {
    @Test
    void no_kernel_method_but_fast_exp_takes_or_returns_a_vector() throws Exception {
        List<String> offenders = new ArrayList<>();
        List<Class<?>> classes = packageClasses();
        assertTrue(classes.size() >= 12, "found only " + classes + " in " + getClass().getPackageName());
        for (Class<?> type : classes) {
            List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
            members.addAll(List.of(type.getDeclaredConstructors()));
            for (Executable m : members) {
                boolean vectorResult = m instanceof java.lang.reflect.Method method && isVector(method.getReturnType());
                boolean vectorParameter = Stream.of(m.getParameterTypes()).anyMatch(VectorCallBoundaryTest::isVector);
                if ((vectorResult || vectorParameter) && !isFastExp(m)) {
                    offenders.add(type.getSimpleName() + "." + m.getName() + List.of(m.getParameterTypes()));
                }
            }
        }
        assertEquals(List.of(), offenders, "methods that take or return a vector (inline them where they are used)");
    }

    @Test
    void the_check_sees_a_vector_signature() throws NoSuchMethodException {
        // FastExp.exp(FloatVector) is the allowed one: the detector must see it, or the test above proves nothing.
        var exp = FastExp.class.getDeclaredMethod("exp", FloatVector.class);
        assertTrue(isVector(exp.getReturnType()) && isVector(exp.getParameterTypes()[0]));
        assertTrue(isFastExp(exp));
    }

    private static boolean isVector(Class<?> t) {
        return Vector.class.isAssignableFrom(t) || VectorMask.class.isAssignableFrom(t)
                || VectorShuffle.class.isAssignableFrom(t);
    }

    private static boolean isFastExp(Executable m) {
        return m.getDeclaringClass() == FastExp.class && m.getName().equals("exp");
    }

    /** Every class of this package, nested and synthetic ones included, from the compiled classes' directory. */
    private static List<Class<?>> packageClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        String pkg = VectorKernels.class.getPackageName();
        // The main classes' location, not getResource's first match: the test classes share this package.
        URL root = VectorKernels.class.getProtectionDomain().getCodeSource().getLocation();
        assertEquals("file", root.getProtocol(), "the tests run on compiled classes: " + root);
        Path dir = Path.of(root.toURI()).resolve(pkg.replace('.', '/'));
        assertTrue(Files.isDirectory(dir), "the tests run on a directory of compiled classes, not a jar: " + root);
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = f.getFileName().toString();
                classes.add(Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()), false,
                        VectorKernels.class.getClassLoader()));
            }
        }
        return classes;
    }
}

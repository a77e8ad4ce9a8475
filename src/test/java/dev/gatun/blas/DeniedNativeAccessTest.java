package dev.gatun.blas;

import dev.gatun.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM that denies native access to Gatun gets the BLAS's own exception, saying which flag to add, from the first
 * call and every later one (an IllegalCallerException escaping the BLAS's initialiser made them
 * ExceptionInInitializerError, then NoClassDefFoundError).
 */
class DeniedNativeAccessTest {
    @TempDir
    Path dir;

    @Test
    void deniedNativeAccessIsABlasUnavailableExceptionNamingTheFlag() throws Exception {
        ChildJvm.Result result = ChildJvm.run(dir, List.of("--illegal-native-access=deny"), Probe.class, List.of(),
                false);
        assertEquals(0, result.exit(), result.toString());
        String[] lines = result.stdout().strip().split("\n");
        assertEquals(2, lines.length, result.toString());
        for (String line : lines) {
            assertTrue(line.startsWith(BlasUnavailableException.class.getName() + ": native access is denied to Gatun")
                    && line.contains("--enable-native-access=dev.gatun"), result.toString());
        }
    }

    @Test
    void a64BitIntegerOpenBlasIsNamedAsSuch() {
        assertTrue(Blas.wideIntegers("OpenBLAS 0.3.26 USE64BITINT DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64")
                .contains("USE64BITINT"));
        assertNull(Blas.wideIntegers("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"));
    }

    /** Prints what the first and a second BLAS call throw. */
    public static final class Probe {
        public static void main(String[] args) {
            for (int call = 0; call < 2; call++) {
                try {
                    Blas.requireAvailable();
                    System.out.println("available");
                } catch (Throwable t) {
                    System.out.println(t);
                }
            }
        }
    }
}

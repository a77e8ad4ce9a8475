package dev.gatun.blas;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A library that loads but is not an OpenBLAS (here one of the JDK's own) is refused when the BLAS is chosen,
 * with the exception every BLAS call then throws, instead of a NoClassDefFoundError in the first product.
 * Surefire gives each test class a JVM of its own (pom.xml, reuseForks=false); the BLAS is chosen once per JVM.
 */
class UnusableBlasLibraryTest {
    private static final Path NOT_OPENBLAS = Path.of(System.getProperty("java.home"), "lib", "libprefs.so");

    static {
        System.setProperty(OpenBlasLibrary.PROPERTY, NOT_OPENBLAS.toString());
    }

    @Test
    void aLibraryWithoutTheCblasSymbolsIsUnavailableFromTheStart() {
        BlasUnavailableException atStartUp = assertThrows(BlasUnavailableException.class, Blas::requireAvailable);
        assertTrue(atStartUp.getMessage().contains("not a usable OpenBLAS"), atStartUp.getMessage());
        assertTrue(atStartUp.getMessage().contains(NOT_OPENBLAS.toString()), atStartUp.getMessage());
        assertTrue(atStartUp.getMessage().contains("apt-get install libopenblas0-pthread"), atStartUp.getMessage());

        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.allocate(arena, DType.F32, 2, 2);
            Tensor c = Tensor.allocate(arena, DType.F32, 2, 2);
            BlasUnavailableException later = assertThrows(BlasUnavailableException.class,
                    () -> Blas.gemm(Transpose.NONE, Transpose.NONE, 1.0, a, a, 0.0, c));
            assertEquals(atStartUp.getMessage(), later.getMessage());
        }
    }
}

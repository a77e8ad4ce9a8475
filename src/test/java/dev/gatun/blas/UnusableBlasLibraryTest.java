package dev.gatun.blas;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A library that loads but is not a CBLAS library (zlib, named by its file name) is refused when the BLAS is
 * chosen, with the exception every BLAS call then throws, instead of a NoClassDefFoundError in the first product.
 * Surefire gives each test class a JVM of its own (pom.xml, reuseForks=false); the BLAS is chosen once per JVM.
 */
class UnusableBlasLibraryTest {
    private static final Path NOT_CBLAS = Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1");

    static {
        System.setProperty(Blas.LIBRARY_PROPERTY, NOT_CBLAS.getFileName().toString());
    }

    @Test
    void aLibraryWithoutTheCblasSymbolsIsUnavailableFromTheStart() {
        BlasUnavailableException atStartUp = assertThrows(BlasUnavailableException.class, Blas::requireAvailable);
        assertTrue(atStartUp.getMessage().startsWith("the library " + NOT_CBLAS + " is not a CBLAS library: it does "
                + "not export cblas_sgemm"), atStartUp.getMessage());
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

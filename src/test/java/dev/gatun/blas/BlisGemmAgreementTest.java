package dev.gatun.blas;

import dev.gatun.blas.diagnostics.KernelAdvice;
import dev.gatun.blas.diagnostics.SimdLevel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every product of {@link GemmAgreementTest} through BLIS (Debian's libblis4-pthread, named by its short name), and
 * what BLIS says about itself. Surefire gives each test class a JVM of its own (pom.xml, reuseForks=false), and the
 * BLAS is chosen once per JVM, on first use: the property is set before that.
 */
class BlisGemmAgreementTest extends GemmAgreementTest {
    static {
        System.setProperty(Blas.LIBRARY_PROPERTY, "blis");
    }

    @Override
    @BeforeAll
    void theLibraryUnderTestAnswers() {
        BlasInfo info = Blas.info();
        assertEquals("blis", info.backend(), info.toString());
        assertTrue(info.libraryPath().contains("libblis.so"), info.libraryPath());
    }

    @Test
    void blisNamesItsVersionItsArchitectureAndSetsItsThreads() {
        BlasInfo info = Blas.info();
        assertTrue(info.config().matches("BLIS [0-9]+\\.[0-9]+.*"), info.config());
        assertTrue(KernelAdvice.blisKernels(info.coreName()) != SimdLevel.UNKNOWN,
                "an x86 architecture BLIS knows: " + info.coreName());
        assertTrue(info.threadControl().startsWith("bli_thread_set_num_threads"), info.threadControl());
        int before = Blas.threads();
        try {
            Blas.setThreads(2);
            assertEquals(2, Blas.threads());
            Blas.setThreads(1);
            assertEquals(1, Blas.threads());
        } finally {
            Blas.setThreads(before);
        }
    }
}

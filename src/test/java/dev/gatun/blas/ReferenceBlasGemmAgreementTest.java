package dev.gatun.blas;

import dev.gatun.blas.diagnostics.CpuFeatures;
import dev.gatun.blas.diagnostics.KernelAdvice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every product of {@link GemmAgreementTest} through the reference BLAS (Debian's libblas3, which carries CBLAS),
 * named by its path: a library of no family Gatun knows. Surefire gives each test class a JVM of its own (pom.xml,
 * reuseForks=false), and the BLAS is chosen once per JVM, on first use: the property is set before that.
 */
class ReferenceBlasGemmAgreementTest extends GemmAgreementTest {
    private static final String LIBRARY = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";

    static {
        System.setProperty(Blas.LIBRARY_PROPERTY, LIBRARY);
    }

    @Override
    @BeforeAll
    void theLibraryUnderTestAnswers() {
        BlasInfo info = Blas.info();
        assertEquals("cblas", info.backend(), info.toString());
        assertEquals(LIBRARY, info.libraryPath());
    }

    @Test
    void aLibraryWithoutVersionOrThreadCallsSaysSoAndKeepsWorkingWhenAskedForThreads() {
        BlasInfo info = Blas.info();
        assertTrue(info.config().startsWith("unknown"), info.config());
        assertEquals("unknown", info.coreName());
        assertTrue(info.threadControl().contains("OMP_NUM_THREADS"), info.threadControl());
        int before = Blas.threads();
        Blas.setThreads(2);  // a warning, not an error: the library keeps its own count
        assertEquals(before, Blas.threads());
        assertTrue(KernelAdvice.forLibrary(info, CpuFeatures.ofThisMachine(), System.getenv()).isEmpty());
    }
}

package dev.gatun.blas;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class OpenBlasLibraryTest {

    @Test
    void aMissingLibraryNamedByThePropertyFailsWithWhatToInstall() {
        String previous = System.getProperty(OpenBlasLibrary.PROPERTY);
        System.setProperty(OpenBlasLibrary.PROPERTY, "/nonexistent/gatun-test/libopenblas.so.0");
        try {
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, OpenBlasLibrary::load);
            assertTrue(e.getMessage().contains("apt-get install libopenblas0-pthread"), e.getMessage());
            assertTrue(e.getMessage().contains("gatun.openblas"), e.getMessage());
            assertTrue(e.getMessage().contains("/nonexistent/gatun-test/libopenblas.so.0"), "names the path: " + e.getMessage());
        } finally {
            if (previous == null) {
                System.clearProperty(OpenBlasLibrary.PROPERTY);
            } else {
                System.setProperty(OpenBlasLibrary.PROPERTY, previous);
            }
        }
    }

    @Test
    void infoDescribesTheLoadedOpenBlas() {
        BlasInfo info = Blas.info();
        assertEquals("openblas", info.backend());
        assertFalse(info.config().isBlank(), "config");
        assertTrue(info.config().contains("OpenBLAS"), info.config());
        assertFalse(info.coreName().isBlank(), "core name");
        assertTrue(Files.exists(Path.of(info.libraryPath())), info.libraryPath());
        assertTrue(info.threads() >= 1, "threads " + info.threads());
    }
}

package dev.gatun.blas;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Finding and checking a CBLAS library: by path and by name, and refused with one message naming the library and
 * the symbol when it is missing, lacks a CBLAS function, or is no CBLAS library at all. Opening a library here
 * only adds it to this JVM; the BLAS this JVM computes with stays the default one (checked last).
 * The Debian libraries are installed by native/packages.sh, which ./gatun and CI run first.
 */
class BlasLibraryTest {
    private static final Path LIBZ = Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1");
    private static final Path OPENBLAS = Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0");

    @Test
    void aNonexistentPathFailsNamingItAndWhatToInstall() {
        withProperty(BlasLibrary.PROPERTY, "/nonexistent/gatun-test/libopenblas.so.0", () -> {
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, BlasLibrary::load);
            assertTrue(e.getMessage().contains("-Dgatun.blas.library=/nonexistent/gatun-test/libopenblas.so.0"),
                    "names the setting and the path: " + e.getMessage());
            assertTrue(e.getMessage().contains("was not found"), e.getMessage());
            assertTrue(e.getMessage().contains("apt-get install libopenblas0-pthread"), e.getMessage());
        });
    }

    @Test
    void anUnknownNameFailsListingWhereItLooked() {
        withProperty(BlasLibrary.PROPERTY, "no-such-blas", () -> {
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, BlasLibrary::load);
            assertTrue(e.getMessage().contains("no-such-blas was not found in ["), e.getMessage());
            assertTrue(e.getMessage().contains("/usr/lib/x86_64-linux-gnu"), e.getMessage());
            assertTrue(e.getMessage().contains("libno-such-blas.so"), e.getMessage());
        });
    }

    @Test
    void theOlderOpenBlasPropertyStillNamesALibrary() {
        withProperty(BlasLibrary.OPENBLAS_PROPERTY, "/nonexistent/gatun-test/libopenblas.so.0", () -> {
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, BlasLibrary::load);
            assertTrue(e.getMessage().contains("-Dgatun.openblas=/nonexistent/gatun-test/libopenblas.so.0"), e.getMessage());
        });
    }

    @Test
    void shortNamesAndFileNamesResolveInTheLibraryDirectories() {
        Path blis = BlasLibrary.resolve("blis").orElseThrow(() -> new AssertionError("libblis4-pthread not installed?"));
        assertTrue(blis.getFileName().toString().startsWith("libblis.so"), blis.toString());
        assertTrue(Files.exists(blis));
        assertEquals(OPENBLAS, BlasLibrary.resolve("libopenblas.so.0").orElseThrow());
        assertEquals(BlasLibrary.resolve("openblas").map(BlasLibraryTest::real), Optional.of(real(OPENBLAS)),
                "openblas is libopenblas.so (the -dev link) or libopenblas.so.0, the same library");
        assertEquals(Optional.empty(), BlasLibrary.resolve("/nonexistent/libblis.so.4"));
    }

    @Test
    void aLibraryThatIsNotCblasIsRefusedNamingItAndTheFirstSymbol() {
        BlasUnavailableException e = assertThrows(BlasUnavailableException.class,
                () -> BlasLibrary.open(LIBZ, "test"));
        assertTrue(e.getMessage().startsWith("the library " + LIBZ + " is not a CBLAS library: it does not export "
                + "cblas_sgemm"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install libopenblas0-pthread"), e.getMessage());
    }

    @Test
    void aLibraryMissingOneCblasFunctionIsRefusedNamingThatFunction() {
        // OpenBLAS's own symbols with one hidden: a library that has nine of the ten functions Gatun calls.
        SymbolLookup openBlas = SymbolLookup.libraryLookup(OPENBLAS, Arena.global());
        SymbolLookup withoutDgemv = name -> name.equals("cblas_dgemv") ? Optional.empty() : openBlas.find(name);
        BlasUnavailableException e = assertThrows(BlasUnavailableException.class,
                () -> CblasSymbols.requireAll(withoutDgemv, "/tmp/libpartial.so"));
        assertTrue(e.getMessage().startsWith("the library /tmp/libpartial.so lacks the CBLAS function cblas_dgemv "
                + "that Gatun calls"), e.getMessage());
        assertDoesNotThrow(() -> CblasSymbols.requireAll(openBlas, OPENBLAS.toString()));
    }

    @Test
    void eachDebianLibraryExportsEveryCblasFunctionGatunCalls() {
        for (String library : new String[] {"/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
                "/usr/lib/x86_64-linux-gnu/libblis.so.4", "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"}) {
            SymbolLookup symbols = SymbolLookup.libraryLookup(Path.of(library), Arena.global());
            assertDoesNotThrow(() -> CblasSymbols.requireAll(symbols, library), library);
        }
    }

    @Test
    void eachLibrarysFamilyIsToldByItsOwnSymbols() {
        assertEquals("openblas", LibraryControls.familyOf(SymbolLookup.libraryLookup(OPENBLAS, Arena.global())));
        assertEquals("blis", LibraryControls.familyOf(SymbolLookup.libraryLookup(
                Path.of("/usr/lib/x86_64-linux-gnu/libblis.so.4"), Arena.global())));
        assertEquals("cblas", LibraryControls.familyOf(SymbolLookup.libraryLookup(
                Path.of("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"), Arena.global())));
    }

    /** Only a library with a thread call can have its count set; the reference BLAS takes OMP_NUM_THREADS or nothing. */
    @Test
    void whetherTheThreadCountCanBeSetIsToldByTheLibrarysCalls() {
        assertTrue(LibraryControls.of(SymbolLookup.libraryLookup(OPENBLAS, Arena.global())).threads().settable());
        assertFalse(LibraryControls.of(SymbolLookup.libraryLookup(
                Path.of("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"), Arena.global())).threads().settable());
        assertTrue(Blas.threadsSettable(), "the loaded OpenBLAS");
    }

    @Test
    void infoDescribesTheLoadedOpenBlas() {
        BlasInfo info = Blas.info();
        assertEquals("openblas", info.backend());
        assertTrue(info.config().contains("OpenBLAS"), info.config());
        assertFalse(info.coreName().isBlank(), "core name");
        assertTrue(Files.exists(Path.of(info.libraryPath())), info.libraryPath());
        assertTrue(info.threads() >= 1, "threads " + info.threads());
        assertTrue(info.threadControl().startsWith("openblas_set_num_threads"), info.threadControl());
    }

    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void withProperty(String name, String value, Runnable body) {
        String previous = System.getProperty(name);
        System.setProperty(name, value);
        try {
            body.run();
        } finally {
            if (previous == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, previous);
            }
        }
    }
}

package dev.gatun.cli;

import dev.gatun.blas.Blas;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class InfoCommandTest {
    /** What a run printed on stdout and stderr, and its exit code. */
    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The run failed with {@code exit}, one line on stderr, naming every one of {@code parts}. */
    static void assertOneLineError(Run run, int exit, String... parts) {
        assertEquals(exit, run.exitCode(), run.out() + run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        for (String part : parts) {
            assertTrue(run.err().contains(part), "'" + part + "' in: " + run.err());
        }
    }

    @Test
    void infoNamesTheOpenBlasLibraryItLoaded() {
        Run run = run("info", "--gemm-size", "64");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains(Blas.info().libraryPath()), run.out());
        assertTrue(run.out().contains("libopenblas"), run.out());
        assertTrue(run.out().contains(Blas.info().config()), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("sgemm_n") && l.strip().endsWith("64")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("sgemm_gflops\\s+[0-9.]+")), run.out());
    }

    @Test
    void jsonOutputEndsWithOneObject() {
        Run run = run("info", "--gemm-size", "8", "--json");
        assertEquals(0, run.exitCode(), run.err());
        String last = run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("{\"jdk\":") && last.endsWith("}"), last);
        assertTrue(last.contains("\"blas_backend\":\"openblas\""), last);
    }

    @Test
    void anUnknownOptionIsAOneLineErrorAndANonZeroExit() {
        Run run = run("info", "--no-such-option");
        assertNotEquals(0, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().startsWith("gatun: ") && run.err().contains("--no-such-option"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aBadGemmSizeIsAOneLineErrorToo() {
        Run run = run("info", "--gemm-size", "0");
        assertNotEquals(0, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().contains("n=0"), run.err());
    }
}

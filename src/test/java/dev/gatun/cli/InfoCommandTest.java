package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.blas.diagnostics.CpuFeatures;
import dev.gatun.blas.diagnostics.GemmCheck;
import dev.gatun.blas.diagnostics.KernelAdvice;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.*;

class InfoCommandTest {
    @Test
    void infoNamesTheOpenBlasLibraryItLoaded() {
        CommandRun run = CommandRun.gatun("info", "--gemm-size", "64");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains(Blas.info().libraryPath()), run.out());
        assertTrue(run.out().contains("libopenblas"), run.out());
        assertTrue(run.out().contains(Blas.info().config()), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("sgemm_n") && l.strip().endsWith("64")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("sgemm_gflops\\s+[0-9.]+")), run.out());
    }

    @Test
    void jsonOutputEndsWithOneObject() {
        CommandRun run = CommandRun.gatun("info", "--gemm-size", "8", "--json");
        assertEquals(0, run.exit(), run.err());
        String last = run.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("{\"jdk\":") && last.endsWith("}"), last);
        assertTrue(last.contains("\"blas_backend\":\"openblas\""), last);
    }

    @Test
    void infoReportsTheCpusSimdTheKernelsAndTheAdviceTheDetectorGivesForThisMachine() {
        CommandRun run = CommandRun.gatun("info", "--gemm-size", "8", "--verify", "--json");
        assertEquals(0, run.exit(), run.err());
        java.util.Map<String, Object> json = MiniJson.object(run.out().strip());
        CpuFeatures cpu = CpuFeatures.ofThisMachine();
        assertEquals(cpu.simd().name(), json.get("cpu_simd"));
        assertEquals(KernelAdvice.kernelsOf(Blas.info()).name(), json.get("blas_kernels"));
        assertEquals(Blas.info().libraryPath(), json.get("blas_library"));
        assertEquals(Blas.info().config(), json.get("blas_version"));
        assertEquals(Blas.info().coreName(), json.get("blas_kernel_set"));
        assertTrue(((String) json.get("blas_thread_control")).startsWith("openblas_set_num_threads"), json.toString());
        // The environment as it is (this machine's may pin OpenBLAS to narrower kernels): the same advice, or none.
        assertEquals(KernelAdvice.forLibrary(Blas.info(), cpu, System.getenv()).map(KernelAdvice.Advice::message)
                .orElse(null), json.get("blas_advice"));
        assertTrue((Double) json.get("sgemm_max_relative_error") < GemmCheck.TOLERANCE, json.toString());
        assertEquals(Boolean.TRUE, json.get("sgemm_correct"), json.toString());
    }

    @Test
    void anUnknownOptionIsAOneLineErrorAndANonZeroExit() {
        CommandRun run = CommandRun.gatun("info", "--no-such-option");
        assertNotEquals(0, run.exit());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().startsWith("gatun: ") && run.err().contains("--no-such-option"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aBadGemmSizeIsAUsageErrorNamingTheOption() {
        for (String size : new String[] {"0", "100000"}) {
            CommandRun.assertOneLineError(CommandRun.gatun("info", "--gemm-size", size), Main.EXIT_USAGE,
                    "--gemm-size must be between 1 and " + InfoCommand.MAX_GEMM_SIZE + ", got " + size,
                    "(see 'gatun info --help')");
        }
    }
}

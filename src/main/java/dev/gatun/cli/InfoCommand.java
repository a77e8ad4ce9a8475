package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.blas.BlasInfo;
import dev.gatun.blas.diagnostics.CpuFeatures;
import dev.gatun.blas.diagnostics.GemmCheck;
import dev.gatun.blas.diagnostics.GemmSpeed;
import dev.gatun.blas.diagnostics.KernelAdvice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code gatun info}: what Gatun runs on — JDK, CPU, the BLAS library it loaded (path, version, kernels, threads and
 * how they are set), and a measured sgemm figure.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, CPU, the BLAS library in use (version, kernels, threads) and a measured sgemm GFLOPS figure.")
final class InfoCommand extends JsonReportingCommand {
    @Option(names = "--gemm-size", defaultValue = "1024", description = "Matrix size of the sgemm probe (default ${DEFAULT-VALUE}).")
    int gemmSize;

    @Option(names = "--verify", description = "Also check sgemm against a float64 reference on a few shapes and every transpose.")
    boolean verify;

    @Option(names = "--blas-check", description = "When the BLAS runs narrower kernels than the CPU offers: measure the "
            + "wider ones in a child JVM, check their results, and say what to set. Gatun never switches on its own.")
    boolean blasCheck;

    /** Three matrices this size fill 768 MB and the probe's six calls take a minute at 100 GFLOPS: more is a mistake. */
    static final int MAX_GEMM_SIZE = 8192;

    @Override
    public Integer call() throws Exception {
        if (gemmSize < 1 || gemmSize > MAX_GEMM_SIZE) {
            throw new UsageException("--gemm-size must be between 1 and " + MAX_GEMM_SIZE + ", got " + gemmSize);
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("jdk", Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.home") + ")");
        facts.put("cpu", cpuModel());
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        BlasInfo blas = Blas.info();
        facts.put("blas_backend", blas.backend());
        facts.put("blas_library", blas.libraryPath());
        facts.put("blas_version", blas.config());
        facts.put("blas_kernel_set", blas.coreName());
        facts.put("blas_threads", blas.threads());
        facts.put("blas_thread_control", blas.threadControl());
        CpuFeatures cpu = CpuFeatures.ofThisMachine();
        facts.put("cpu_simd", cpu.simd().name());
        facts.put("blas_kernels", KernelAdvice.kernelsOf(blas).name());
        Optional<KernelAdvice.Advice> advice = KernelAdvice.forLibrary(blas, cpu, System.getenv());
        facts.put("blas_advice", advice.map(KernelAdvice.Advice::message).orElse(null));
        double gflops = GemmSpeed.squareSgemmGflops(gemmSize, 5);
        facts.put("sgemm_n", gemmSize);
        facts.put("sgemm_gflops", Math.round(gflops * 10) / 10.0);
        double error = verify || blasCheck ? GemmCheck.maxRelativeError() : 0;
        if (verify || blasCheck) {
            facts.put("sgemm_max_relative_error", error);
            facts.put("sgemm_correct", error <= GemmCheck.TOLERANCE);
        }
        if (blasCheck) {
            facts.put("blas_check", check(advice, gflops));
        }
        boolean wrong = error > GemmCheck.TOLERANCE || Double.isNaN(error);
        String failure = "sgemm is off by " + error + " against the float64 reference (at most " + GemmCheck.TOLERANCE
                + " allowed): this BLAS library computes wrong products";
        facts.forEach((key, value) -> System.out.printf("%-24s %s%n", key, value));
        if (wrong) {
            // A failed command's JSON carries error and exit_code, as every command's does (README, --json); the
            // text says it on stderr below.
            facts.put("error", failure);
            facts.put("exit_code", Main.EXIT_ERROR);
        }
        json.print(facts);
        if (wrong) {
            // A check that only printed its figure passed every BLAS: a script running it must see the failure.
            System.err.println("gatun: " + failure);
            return Main.EXIT_ERROR;
        }
        return 0;
    }

    /** Measures the advised kernels in a child JVM next to the ones in use, and says what to do. */
    private Map<String, Object> check(Optional<KernelAdvice.Advice> advice, double currentGflops) throws Exception {
        Map<String, Object> check = new LinkedHashMap<>();
        if (advice.isEmpty()) {
            check.put("verdict", "the BLAS kernels match the CPU (or this check does not know them): nothing to compare");
            return check;
        }
        KernelAdvice.Advice a = advice.get();
        BlasProbe.Result wider = BlasProbe.inChild(gemmSize, Map.of(a.variable(), a.value()));
        boolean correct = wider.maxRelativeError() <= GemmCheck.TOLERANCE;
        check.put("setting", a.variable() + "=" + a.value());
        check.put("core", wider.core());
        check.put("sgemm_gflops", Math.round(wider.gflops() * 10) / 10.0);
        check.put("speedup", Math.round(wider.gflops() / currentGflops * 100) / 100.0);
        check.put("max_relative_error", wider.maxRelativeError());
        check.put("verdict", !correct ? "do not switch: its sgemm is off by " + wider.maxRelativeError()
                + " against the float64 reference"
                : wider.gflops() > currentGflops ? "correct and faster: export " + a.variable() + "=" + a.value()
                        + " before running gatun (for every engine you compare it with, too)"
                : "correct but not faster here: keep the current kernels");
        return check;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}

package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.blas.BlasInfo;
import dev.gatun.blas.GemmSpeed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code gatun info}: what Gatun runs on — JDK, CPU, the OpenBLAS it loaded, and a measured sgemm figure. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, CPU, the OpenBLAS library in use and a measured sgemm GFLOPS figure.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object on stdout (text goes to stderr).")
    boolean json;

    @Option(names = "--gemm-size", defaultValue = "1024", description = "Matrix size of the sgemm probe (default ${DEFAULT-VALUE}).")
    int gemmSize;

    @Override
    public Integer call() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("jdk", Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.home") + ")");
        facts.put("cpu", cpuModel());
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        BlasInfo blas = Blas.info();
        facts.put("blas_backend", blas.backend());
        facts.put("openblas_library", blas.libraryPath());
        facts.put("openblas_config", blas.config());
        facts.put("openblas_core", blas.coreName());
        facts.put("blas_threads", blas.threads());
        double gflops = GemmSpeed.squareSgemmGflops(gemmSize, 5);
        facts.put("sgemm_n", gemmSize);
        facts.put("sgemm_gflops", Math.round(gflops * 10) / 10.0);
        facts.forEach((key, value) -> System.out.printf("%-18s %s%n", key, value));
        if (json) {
            JsonOutput.print(facts);
        }
        return 0;
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

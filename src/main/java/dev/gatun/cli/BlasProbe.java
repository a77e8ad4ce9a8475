package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.blas.diagnostics.GemmCheck;
import dev.gatun.blas.diagnostics.GemmSpeed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measures the BLAS this JVM loaded: sgemm GFLOPS and the worst error against the float64 reference. A kernel set
 * is chosen once per process (OpenBLAS reads {@code OPENBLAS_CORETYPE}, BLIS {@code BLIS_ARCH_TYPE}, when it loads),
 * so {@code gatun info --blas-check} runs this class in a child JVM on the same library with the variable changed
 * and reads its one line back.
 */
final class BlasProbe {
    private BlasProbe() {}

    /** One probe's figures. */
    record Result(String core, double gflops, double maxRelativeError) {
        String line() {
            return String.format(Locale.ROOT, "core=%s gflops=%.1f error=%.3e", core, gflops, maxRelativeError);
        }

        static Result parse(String line) {
            String[] parts = line.strip().split(" ");
            if (parts.length != 3 || !parts[0].startsWith("core=") || !parts[1].startsWith("gflops=")
                    || !parts[2].startsWith("error=")) {
                throw new IllegalStateException("the BLAS probe printed '" + UserText.cell(line) + "'");
            }
            return new Result(parts[0].substring(5), Double.parseDouble(parts[1].substring(7)),
                    Double.parseDouble(parts[2].substring(6)));
        }
    }

    static Result measure(int n) {
        double gflops = GemmSpeed.squareSgemmGflops(n, 5);
        return new Result(Blas.info().coreName(), gflops, GemmCheck.maxRelativeError());
    }

    public static void main(String[] args) {
        System.out.println(measure(Integer.parseInt(args[0])).line());
    }

    /** Runs the probe in a child JVM (this one's Java and class path) with {@code environment} added. */
    static Result inChild(int n, Map<String, String> environment) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        if (!Blas.info().backend().equals("java")) {
            command.add("-D" + Blas.LIBRARY_PROPERTY + "=" + Blas.info().libraryPath());
        }
        if (Blas.threads() >= 1) {
            // The same thread count as this JVM's measurement, or the two figures compared measured different things.
            command.add("-D" + Blas.THREADS_PROPERTY + "=" + Blas.threads());
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BlasProbe.class.getName(),
                Integer.toString(n)));
        // Output through files: reading the child's pipe to its end waited for its exit, so a probe that hung (a
        // deadlocking kernel set) was never timed out; and its stderr is the reason when it fails.
        Path outFile = Files.createTempFile("gatun-blas-probe", ".out");
        Path errFile = Files.createTempFile("gatun-blas-probe", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(outFile.toFile())
                    .redirectError(errFile.toFile());
            builder.environment().putAll(environment);
            Process child = builder.start();
            if (!child.waitFor(5, TimeUnit.MINUTES)) {
                child.destroyForcibly().waitFor();
                throw new IllegalStateException("the BLAS probe with " + environment + " did not finish in 5 minutes");
            }
            String out = Files.readString(outFile);
            if (child.exitValue() != 0) {
                String reason = Files.readString(errFile).strip().lines().reduce((a, b) -> b).orElse(out.strip());
                throw new IllegalStateException("the BLAS probe with " + environment + " failed (exit "
                        + child.exitValue() + "): " + UserText.cell(reason));
            }
            return Result.parse(out.lines().reduce((a, b) -> b).orElse(""));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }
}

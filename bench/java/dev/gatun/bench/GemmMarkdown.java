package dev.gatun.bench;

import dev.gatun.blas.Blas;
import dev.gatun.blas.BlasInfo;
import org.openjdk.jmh.results.Result;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Renders a {@link GemmReport} run as the markdown section the lead pastes into BENCHMARKS.md. */
final class GemmMarkdown {
    private final GemmReport report;
    private final List<GemmShape> shapes;
    private final List<GemmReport.Run> runs;
    private final Duration took;
    private final StringBuilder md = new StringBuilder();

    GemmMarkdown(GemmReport report, List<GemmShape> shapes, List<GemmReport.Run> runs, Duration took) {
        this.report = report;
        this.shapes = shapes;
        this.runs = runs;
        this.took = took;
    }

    String render() {
        line("## sgemm: C vs Gatun vs naive Java");
        line("");
        machine();
        line("");
        line("Command: `" + System.getProperty("gatun.bench.command", "bench/gemm-report") + "` (" + LocalDate.now()
                + ", took " + took.toMinutes() + " min " + took.toSecondsPart() + " s)  ");
        line("Settings: " + report.settings() + ".");
        for (GemmReport.Run run : runs) {
            line("");
            gflopsTable(run);
        }
        GemmShape tiny = GemmShape.square(4);
        if (shapes.contains(tiny)) {
            line("");
            perCallTable(tiny);
        }
        line("");
        notes();
        return md.toString();
    }

    private void machine() {
        BlasInfo java = Blas.info();
        NativeSgemm.Result c = runs.getFirst().c().getFirst();
        String javaLibrary = realPath(java.libraryPath());
        line("Machine: " + cpuinfo("model name") + ", " + Runtime.getRuntime().availableProcessors()
                + " logical CPUs (" + cpuinfo("cpu cores") + " cores per socket), SIMD: " + simdFlags() + ".  ");
        line("Software: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", JDK "
                + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), " + firstLine("gcc", "--version")
                + " -O2.  ");
        line("OpenBLAS: `" + java.config() + "`, core " + java.coreName() + "; Java loads " + javaLibrary + ", C links "
                + c.library() + (javaLibrary.equals(c.library()) ? " (the same file)" : " (**not the same file**)") + ".");
    }

    private void gflopsTable(GemmReport.Run run) {
        line("### " + run.threads() + " OpenBLAS thread" + (run.threads() == 1 ? "" : "s") + " (GFLOPS, higher is better)");
        line("");
        line("| shape (A · B) | C GFLOPS | Gatun GFLOPS | Gatun/C | direct binding GFLOPS | naive Java GFLOPS |");
        line("|---|---:|---:|---:|---:|---:|");
        for (GemmShape shape : shapes) {
            double cNs = cNs(run, shape);
            Result<?> door = run.java().get("squareDoor", shape) != null ? run.java().get("squareDoor", shape)
                    : run.java().get("mlpDoor", shape);
            Result<?> direct = run.java().get("squareDirect", shape) != null ? run.java().get("squareDirect", shape)
                    : run.java().get("mlpDirect", shape);
            Result<?> naive = naive(shape);
            line("| " + shape.label() + " | " + gflops(shape.gflops(cNs)) + " | " + gflopsWithError(shape, door) + " | "
                    + (door == null ? "—" : String.format(Locale.ROOT, "%.3f", cNs / door.getScore())) + " | "
                    + (direct == null ? "—" : gflops(shape.gflops(direct.getScore()))) + " | "
                    + (naive == null ? "—" : gflops(shape.gflops(naive.getScore()))) + " |");
        }
    }

    private void perCallTable(GemmShape tiny) {
        line("### Per-call cost at n = 4 (ns per call, lower is better)");
        line("");
        line("| threads | C | Gatun | direct binding | naive Java | door checks (Gatun − direct) | FFM downcall (direct − C) |");
        line("|---:|---:|---:|---:|---:|---:|---:|");
        for (GemmReport.Run run : runs) {
            double c = cNs(run, tiny);
            Result<?> door = run.java().get("squareDoor", tiny);
            Result<?> direct = run.java().get("squareDirect", tiny);
            Result<?> naive = naive(tiny);
            line("| " + run.threads() + " | " + ns(c) + " | " + nsWithError(door) + " | " + nsWithError(direct) + " | "
                    + (naive == null ? "—" : ns(naive.getScore())) + " | "
                    + (door == null || direct == null ? "—" : ns(door.getScore() - direct.getScore())) + " | "
                    + (direct == null ? "—" : ns(direct.getScore() - c)) + " |");
        }
    }

    private void notes() {
        String raw = runs.stream().flatMap(r -> Stream.of("gemm-c-t" + r.threads() + ".json", "gemm-jmh-t" + r.threads() + ".json"))
                .collect(Collectors.joining(", "));
        line("- C: bench/native/sgemm_bench.c calling `cblas_sgemm` (row-major, alpha 1, beta 0) on 64-byte aligned "
                + "arrays; the best batch. Gatun: `Blas.gemm` (the validating door, GemmBench.squareDoor/mlpDoor). Direct "
                + "binding: the generated `cblas_h.cblas_sgemm` on the same segments, no checks (squareDirect/mlpDirect). "
                + "Naive Java: `Blas.referenceGemm`, the reference loops, single-threaded (so measured once), on the "
                + "square shapes up to n = 256 only (—): at n = 1024 one call takes seconds.");
        line("- Java columns are JMH's mean over the measurement iterations (Gatun's with JMH's 99.9% confidence "
                + "half-width, as a percentage); C is the best of its batches, so Gatun/C slightly favours C.");
        line("- GFLOPS = 2·m·n·k / (ns per call). Thread counts are set explicitly on both sides: "
                + "`--threads N` (openblas_set_num_threads) for C, `-Dgatun.threads=N` via JMH's -jvmArgsAppend for Java.");
        line("- Raw results: " + raw + " (in " + report.out + ").");
    }

    private Result<?> naive(GemmShape shape) {
        return runs.stream().map(r -> r.java().get("squareNaive", shape)).filter(r -> r != null).findFirst().orElse(null);
    }

    private static double cNs(GemmReport.Run run, GemmShape shape) {
        return run.c().stream().filter(r -> r.shape().equals(shape)).findFirst()
                .orElseThrow(() -> new IllegalStateException("sgemm_bench printed no result for " + shape.argument()))
                .nsPerCall();
    }

    /** GFLOPS with JMH's confidence half-width as a percentage: the relative error of ns per call carries over. */
    private static String gflopsWithError(GemmShape shape, Result<?> result) {
        if (result == null) {
            return "—";
        }
        String value = gflops(shape.gflops(result.getScore()));
        double error = result.getScoreError();
        return Double.isNaN(error) ? value
                : value + String.format(Locale.ROOT, " ±%.0f%%", 100 * error / result.getScore());
    }

    private static String nsWithError(Result<?> result) {
        if (result == null) {
            return "—";
        }
        return Double.isNaN(result.getScoreError()) ? ns(result.getScore())
                : ns(result.getScore()) + " ± " + ns(result.getScoreError());
    }

    private static String gflops(double value) {
        return String.format(Locale.ROOT, value < 1 ? "%.3f" : value < 10 ? "%.2f" : "%.1f", value);
    }

    private static String ns(double value) {
        return String.format(Locale.ROOT, Math.abs(value) < 1000 ? "%.1f" : "%.0f", value);
    }

    private static String cpuinfo(String key) {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String simdFlags() {
        List<String> flags = List.of(cpuinfo("flags").split(" "));
        return Stream.of("sse4_2", "avx", "avx2", "fma", "avx512f").filter(flags::contains).collect(Collectors.joining(" "));
    }

    private static String firstLine(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            p.waitFor();
            return first.isBlank() ? command[0] + " (version unknown)" : first;
        } catch (IOException e) {
            return command[0] + " (not found)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command[0] + " (version unknown)";
        }
    }

    private static String realPath(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException e) {
            return path;
        }
    }

    private void line(String text) {
        md.append(text).append('\n');
    }
}

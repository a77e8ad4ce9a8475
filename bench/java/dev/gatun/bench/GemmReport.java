package dev.gatun.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs, in one go and for each OpenBLAS thread count, the C program (bench/native/sgemm_bench) and JMH's
 * {@link GemmBench} on the same shapes, keeps the raw results as JSON and renders the comparison as a markdown
 * section for BENCHMARKS.md. Started by {@code bench/gemm-report}, which builds both sides first.
 */
@Command(name = "bench/gemm-report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "sgemm from C vs through Gatun (door and direct binding) vs naive Java; writes gemm.md and raw JSON.")
public final class GemmReport implements Callable<Integer> {
    @Option(names = "--threads", split = ",", defaultValue = "1,2",
            description = "OpenBLAS thread counts, each run on both sides (default ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--square", split = ",", defaultValue = "4,16,64,256,1024", description = "Square sizes n.")
    List<Integer> squares;

    @Option(names = "--mlp", split = ",", defaultValue = "1,32,128,1024", description = "Batch sizes m of m×784 · 784×256.")
    List<Integer> mlpBatches;

    @Option(names = "--out", defaultValue = "bench/results", description = "Directory for gemm.md and the raw JSON.")
    Path out;

    @Option(names = "--c-binary", required = true, description = "sgemm_bench, as bench/native/build.sh built it.")
    Path cBinary;

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per benchmark (default ${DEFAULT-VALUE}).")
    int forks;
    @Option(names = "--warmup-iterations", defaultValue = "5", description = "JMH warm-up iterations (default ${DEFAULT-VALUE}).")
    int warmupIterations;
    @Option(names = "--warmup-time", defaultValue = "1s", description = "JMH time per warm-up iteration (e.g. 1s, 200ms).")
    String warmupTime;
    @Option(names = "--iterations", defaultValue = "5", description = "JMH measurement iterations (default ${DEFAULT-VALUE}).")
    int iterations;
    @Option(names = "--time", defaultValue = "1s", description = "JMH time per measurement iteration.")
    String iterationTime;
    @Option(names = "--c-min-time", defaultValue = "0.5", description = "Seconds each C batch lasts at least.")
    double cMinTime;
    @Option(names = "--c-batches", defaultValue = "5", description = "C batches per shape; the best is reported.")
    int cBatches;

    /** The naive loops run only up to this size (see GemmBench). */
    static final int NAIVE_MAX_N = 256;

    /** JMH means (ns per call) by benchmark method and shape, for one thread count. */
    record JavaScores(Map<String, Map<GemmShape, Result<?>>> byMethod) {
        Result<?> get(String method, GemmShape shape) {
            return byMethod.getOrDefault(method, Map.of()).get(shape);
        }
    }

    record Run(int threads, List<NativeSgemm.Result> c, JavaScores java) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new GemmReport()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException, RunnerException {
        List<GemmShape> shapes = new ArrayList<>();
        squares.forEach(n -> shapes.add(GemmShape.square(n)));
        mlpBatches.forEach(m -> shapes.add(GemmShape.mlp(m)));
        List<Integer> naive = squares.stream().filter(n -> n <= NAIVE_MAX_N).toList();
        System.err.printf("gemm-report: about %d min with these settings%n", estimate(shapes.size(), naive.size()).toMinutes() + 1);
        Files.createDirectories(out);

        long start = System.nanoTime();
        List<Run> runs = new ArrayList<>();
        for (int t : threads) {
            List<NativeSgemm.Result> c = NativeSgemm.run(cBinary, t, cMinTime, cBatches, shapes);
            for (NativeSgemm.Result r : c) {
                if (r.threads() != t) {
                    throw new IllegalStateException("sgemm_bench ran " + r.threads() + " OpenBLAS threads, asked for " + t);
                }
            }
            NativeSgemm.write(out.resolve("gemm-c-t" + t + ".json"), c);
            // The naive loops are single-threaded Java: the first thread count measures them once for all.
            List<Integer> naiveNow = runs.isEmpty() ? naive : List.of();
            runs.add(new Run(t, c, runJmh(t, naiveNow)));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        String markdown = new GemmMarkdown(this, shapes, runs, took).render();
        Path report = out.resolve("gemm.md");
        Files.writeString(report, markdown);
        System.out.println(markdown);
        System.err.println("gemm-report: wrote " + report + " and the raw results beside it");
        return 0;
    }

    private JavaScores runJmh(int threads, List<Integer> naive) throws RunnerException {
        String pattern = "\\Q" + GemmBench.class.getName() + "\\E\\.(squareDoor|squareDirect|mlpDoor|mlpDirect"
                + (naive.isEmpty() ? "" : "|squareNaive") + ")$";
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(pattern)
                .param("n", strings(squares))
                .param("m", strings(mlpBatches))
                .forks(forks)
                .warmupIterations(warmupIterations).warmupTime(TimeValue.fromString(warmupTime))
                .measurementIterations(iterations).measurementTime(TimeValue.fromString(iterationTime))
                // Explicit, so forks do not inherit this JVM's own -D options; the append replaces @Fork's, hence
                // the two flags every Gatun JVM needs are named here.
                .jvmArgs("--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector")
                .jvmArgsAppend("-Dgatun.threads=" + threads)
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("gemm-jmh-t" + threads + ".json").toString());
        if (!naive.isEmpty()) {
            options.param("naiveN", strings(naive));
        }
        Map<String, Map<GemmShape, Result<?>>> byMethod = new LinkedHashMap<>();
        for (RunResult run : new Runner(options.build()).run()) {
            BenchmarkParams params = run.getParams();
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            GemmShape shape = switch (method) {
                case "squareDoor", "squareDirect" -> GemmShape.square(Integer.parseInt(params.getParam("n")));
                case "squareNaive" -> GemmShape.square(Integer.parseInt(params.getParam("naiveN")));
                default -> GemmShape.mlp(Integer.parseInt(params.getParam("m")));
            };
            Result<?> score = run.getPrimaryResult();
            if (!score.getScoreUnit().equals("ns/op")) {
                throw new IllegalStateException(method + " reported " + score.getScoreUnit() + ", expected ns/op");
            }
            byMethod.computeIfAbsent(method, key -> new LinkedHashMap<>()).put(shape, score);
        }
        return new JavaScores(byMethod);
    }

    /**
     * Wall time from the settings: every JMH benchmark forks a JVM (about 2 s with set-up) and runs its
     * iterations; each C shape calibrates (about 2 batches' worth) and then times its batches, each batch lasting
     * between one and two --c-min-time (1.5 on average).
     */
    Duration estimate(int shapeCount, int naiveCount) {
        double perBenchmark = forks * (2 + warmupIterations * seconds(warmupTime) + iterations * seconds(iterationTime));
        int nativeBenchmarks = 2 * shapeCount;
        double jmh = perBenchmark * (nativeBenchmarks * threads.size() + naiveCount);
        double c = threads.size() * shapeCount * (2 + cBatches) * 1.5 * cMinTime;
        return Duration.ofSeconds(Math.round(jmh + c));
    }

    String settings() {
        return "JMH: " + forks + " fork(s), " + warmupIterations + " warm-up × " + warmupTime + " + " + iterations
                + " measurement × " + iterationTime + " iterations, average time per call; C: best of " + cBatches
                + " batches of at least " + cMinTime + " s each";
    }

    private static double seconds(String time) {
        return TimeValue.fromString(time).convertTo(TimeUnit.MILLISECONDS) / 1000.0;
    }

    private static String[] strings(List<Integer> values) {
        return values.stream().map(String::valueOf).toArray(String[]::new);
    }
}

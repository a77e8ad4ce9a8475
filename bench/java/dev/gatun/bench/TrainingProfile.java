package dev.gatun.bench;

import dev.gatun.blas.Blas;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.Trainer;
import dev.gatun.train.TrainingListener;
import one.profiler.AsyncProfiler;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a training epoch's time goes: the real {@link Trainer} on Fashion-MNIST (784-256-128-10, ReLU, softmax
 * cross-entropy, He, Adam 1e-3, shuffled), sampled by async-profiler (CPU time, every thread; or with
 * {@code --event wall} wall-clock time, in which other threads' idle waits are sampled too) over the epochs after
 * the JIT warm-up, and the calling thread's samples sorted into what the step does: sgemm, batch assembly, the
 * optimizer, the other kernels. Started by {@code bench/profile-training}, once per batch size and OpenBLAS thread
 * count (the count is fixed per process), then once more with {@code --render} to write the markdown section from
 * the summaries.
 *
 * <p>Why async-profiler and not JFR: on this JDK, JFR's samples of the training thread lose their callers (most
 * stacks end in Vector API or downcall frames), so they cannot be attributed; async-profiler's stacks are whole.
 */
public final class TrainingProfile {
    /** Categories in the order a sample is tested against them: the first whose marker is on its stack wins. */
    private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();

    static {
        // The trainer's per-epoch accuracy on 10,000 training samples runs inside the profiled epochs but is not a
        // training step: first, so its sgemm, batches and kernels are not counted as the step's.
        CATEGORIES.put("per-epoch training-accuracy evaluation (not the step)", List.of("dev/gatun/train/Evaluator"));
        // The training thread waiting for the step threads to finish their ranges of a split kernel.
        CATEGORIES.put("waiting for the step threads (StepPool)", List.of("StepPool.awaitFinished"));
        // A step thread spinning for the next call before it parks (-Dgatun.step.spin): CPU time, not work.
        CATEGORIES.put("step thread spinning for the next call (StepPool)", List.of("StepPool$Worker.awaitCall"));
        // Inside sgemm, OpenBLAS's calling thread yields while it waits for its other threads to finish their part.
        CATEGORIES.put("sgemm, waiting for OpenBLAS's other thread (sched_yield)", List.of("sched_yield"));
        CATEGORIES.put("sgemm (OpenBLAS, native)", List.of("cblas_h.cblas_sgemm", "sgemm_"));
        CATEGORIES.put("batch assembly (data/: gather, uint8 to float32)", List.of("dev/gatun/data/"));
        CATEGORIES.put("optimizer step (Adam kernel, with the parameters' NaN/Inf check)",
                List.of("dev/gatun/optim/", "ParameterUpdate"));
        // Replicas zeroing their gradients before the pass (train/GradientClaim): before the kernels, whose package
        // also holds the StepPool every replica's pass runs under.
        CATEGORIES.put("replicas zeroing their gradients first (GradientClaim)", List.of("dev/gatun/tensor/Tensor.zero"));
        CATEGORIES.put("forward/backward kernels (kernels/: bias+activation, softmax-CE, column sums, batch norm)",
                List.of("dev/gatun/kernels/"));
    }

    private static final String OTHER = "other (trainer, model bookkeeping, JVM)";

    private TrainingProfile() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path out = Path.of(options.getOrDefault("--out", "bench/results"));
        Files.createDirectories(out);
        if (options.containsKey("--render")) {
            render(out, options.getOrDefault("--command", "bench/profile-training"));
            return;
        }
        // cpu: where the threads spend CPU time (the default); wall: where the training thread spends wall time,
        // waiting included, which is what a step that stalls or waits for another core loses.
        String event = options.getOrDefault("--event", "cpu");
        if (!event.equals("cpu") && !event.equals("wall")) {
            throw new IllegalArgumentException("--event " + event + ": expected cpu or wall");
        }
        int batch = Integer.parseInt(options.getOrDefault("--batch", "1024"));
        int epochs = Integer.parseInt(options.getOrDefault("--epochs", "6"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "2"));
        if (warmup < 0 || warmup >= epochs) {
            throw new IllegalArgumentException("--warmup " + warmup + " leaves no epoch to profile out of --epochs "
                    + epochs + ": use 0 <= warmup < epochs");
        }
        Path data = Path.of(options.getOrDefault("--data", "/usr/share/datasets/fashion-mnist"));
        int threads = Blas.threads();
        String name = "profile-b" + batch + "-t" + threads;
        Path collapsed = out.resolve(name + ".collapsed");
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        double[] samplesPerSecond = new double[epochs + 1];
        // Shared: the trainer's step threads (as many as the BLAS threads) update the parameters too.
        try (Arena arena = Arena.ofShared();
             MnistDirectory mnist = MnistDirectory.load(data);
             Model model = Model.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                     .output(10, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(0).build(arena);
             Optimizer adam = Optimizer.adam(1e-3)) {
            DataSet train = mnist.train();
            TrainingListener sampler = new TrainingListener() {
                @Override
                public void epochStarted(int epoch, int total, long batches) {
                    if (epoch == warmup + 1) {
                        execute(profiler, "start,event=" + (event.equals("wall") ? "wall" : "itimer")
                                + ",interval=1ms,threads");
                    }
                }

                @Override
                public void batchFinished(int epoch, long k, long batches, double loss, double rate) {
                    if (epoch == epochs && k == batches) {
                        execute(profiler, "stop,file=" + collapsed + ",collapsed");
                    }
                    samplesPerSecond[epoch] = rate;
                }
            };
            try (Trainer trainer = Trainer.builder(model, adam, train).batchSize(batch).epochs(epochs).seed(0)
                    .listener(sampler).build()) {
                trainer.run();
            }
        }
        Map<String, Long> categories = categorize(collapsed);
        StringBuilder summary = new StringBuilder();
        summary.append("threads=").append(threads).append('\n').append("batch=").append(batch).append('\n')
                .append("epochs=").append(epochs).append('\n').append("warmup=").append(warmup).append('\n')
                .append("event=").append(event).append('\n');
        for (int e = 1; e <= epochs; e++) {
            summary.append("samples_per_second.").append(e).append('=').append(Math.round(samplesPerSecond[e])).append('\n');
        }
        categories.forEach((category, n) -> summary.append("samples.").append(category).append('=').append(n).append('\n'));
        Files.writeString(out.resolve(name + ".summary"), summary);
        System.out.println("profile: " + collapsed + ", " + categories);
    }

    private static void execute(AsyncProfiler profiler, String command) {
        try {
            profiler.execute(command);
        } catch (IOException e) {
            throw new IllegalStateException("async-profiler: " + command + ": " + e.getMessage(), e);
        }
    }

    /**
     * Samples per category: the calling thread's (named "main") sorted by {@link #CATEGORIES}, plus every other
     * thread's under its own heading (OpenBLAS's workers, the JIT compilers, GC).
     */
    static Map<String, Long> categorize(Path collapsed) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String name : CATEGORIES.keySet()) {
            counts.put(name, 0L);
        }
        counts.put(OTHER, 0L);
        Map<String, Long> otherThreads = new TreeMap<>();
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long n = Long.parseLong(line.substring(space + 1).strip());
            String stack = line.substring(0, space);
            String thread = stack.substring(0, Math.max(0, stack.indexOf(';')));
            if (thread.contains("gatun-step-")) {
                // A step thread runs ranges of the training thread's kernels: sorted the same way.
                otherThreads.merge("thread: step thread, " + category(stack), n, Long::sum);
                continue;
            }
            if (!thread.startsWith("[main")) {
                otherThreads.merge("thread: " + threadKind(thread, stack), n, Long::sum);
                continue;
            }
            counts.merge(category(stack), n, Long::sum);
        }
        counts.putAll(otherThreads);
        return counts;
    }

    private static String category(String stack) {
        for (Map.Entry<String, List<String>> c : CATEGORIES.entrySet()) {
            if (c.getValue().stream().anyMatch(stack::contains)) {
                return c.getKey();
            }
        }
        return OTHER;
    }

    private static String threadKind(String thread, String stack) {
        if (thread.contains("C2 Compiler") || thread.contains("C1 Compiler")) {
            return "JIT compiler";
        }
        if (thread.contains("GC") || thread.contains("G1")) {
            return "GC";
        }
        if (stack.contains("blas_thread_server") || stack.contains("openblas") || stack.contains("sgemm_")
                || stack.contains("sched_yield")) {
            if (stack.contains("sched_yield")) {
                return "OpenBLAS worker, waiting (sched_yield)";
            }
            // Only wall-clock samples see a thread asleep.
            return stack.contains("pthread_cond") || stack.contains("futex") ? "OpenBLAS worker, asleep"
                    : "OpenBLAS worker, computing";
        }
        return "other JVM threads";
    }

    private static void render(Path out, String command) throws IOException {
        List<Map<String, String>> runs = new ArrayList<>();
        try (var files = Files.list(out)) {
            // batch size, then thread count, numerically
            List<Path> summaries = files.filter(f -> f.getFileName().toString().matches("profile-b\\d+-t\\d+\\.summary"))
                    .sorted(java.util.Comparator.comparingInt((Path f) -> number(f, "-b", "-t"))
                            .thenComparingInt(f -> number(f, "-t", ".summary")))
                    .toList();
            for (Path p : summaries) {
                Map<String, String> m = new LinkedHashMap<>();
                for (String line : Files.readAllLines(p)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        m.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
                runs.add(m);
            }
        }
        StringBuilder md = new StringBuilder("## Where a training epoch's time goes (profile)\n\n");
        md.append("The real trainer on Fashion-MNIST (784-256-128-10, ReLU, softmax cross-entropy, He, Adam 1e-3, shuffled, no dev set), ")
                .append("sampled by async-profiler (").append(runs.stream().anyMatch(r -> "wall".equals(r.get("event")))
                        ? "wall-clock time, waiting included" : "CPU time").append(", 1 ms) over the epochs after the JIT warm-up. Command: `")
                .append(command).append("` (")
                .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append("); raw stacks: `profile-b*-t*.collapsed` beside this file (flame-graph input). ")
                .append("Generated by `bench/report`; do not edit: rerun it.\n\n");
        for (Map<String, String> run : runs) {
            long mainTotal = 0;
            for (String name : CATEGORIES.keySet()) {
                mainTotal += Long.parseLong(run.getOrDefault("samples." + name, "0"));
            }
            mainTotal += Long.parseLong(run.getOrDefault("samples." + OTHER, "0"));
            md.append("### Batch ").append(run.get("batch")).append(", ").append(run.get("threads"))
                    .append(" OpenBLAS thread(s): epochs ").append(Integer.parseInt(run.get("warmup")) + 1).append('–')
                    .append(run.get("epochs")).append(" of ").append(run.get("epochs")).append("\n\n");
            md.append("Samples/s per epoch: ");
            List<String> rates = new ArrayList<>();
            for (int e = 1; e <= Integer.parseInt(run.get("epochs")); e++) {
                rates.add(String.format(Locale.ROOT, "%,d", Long.parseLong(run.getOrDefault("samples_per_second." + e, "0"))));
            }
            md.append(String.join(", ", rates)).append(" (the first ").append(run.get("warmup"))
                    .append(" are the warm-up: the JIT compiles during them; the first is the slowest).\n\n");
            md.append("| where | samples | share of the training thread |\n|---|---:|---:|\n");
            for (Map.Entry<String, String> e : run.entrySet()) {
                if (!e.getKey().startsWith("samples.")) {
                    continue;
                }
                String name = e.getKey().substring("samples.".length());
                long n = Long.parseLong(e.getValue());
                String share = name.startsWith("thread: ") ? "(another thread)"
                        : String.format(Locale.ROOT, "%.1f%%", mainTotal == 0 ? 0.0 : 100.0 * n / mainTotal);
                md.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, "%,d", n)).append(" | ")
                        .append(share).append(" |\n");
            }
            md.append('\n');
        }
        Files.writeString(out.resolve("profile.md"), md);
        System.out.println("profile: wrote " + out.resolve("profile.md"));
    }

    private static int number(Path file, String after, String before) {
        String n = file.getFileName().toString();
        int from = n.indexOf(after) + after.length();
        return Integer.parseInt(n.substring(from, n.indexOf(before, from)));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--render")) {
                m.put("--render", "");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                m.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --batch N --epochs N --warmup N --data DIR --out DIR, or --render --out DIR");
            }
        }
        return m;
    }
}

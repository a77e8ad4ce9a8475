package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.serve.Predictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;

/**
 * {@code gatun benchmark}: what a service owner runs before deploying a model. Loads it into a {@link Predictor},
 * warms up, then N request threads call it back to back for S seconds with random inputs in [0, 255] or the rows of
 * a file ({@link RequestRows}); reports
 * latency percentiles per call, throughput in samples (rows) per second, heap in use and the predictor's native
 * memory. Each thread times its own calls into its own {@link LatencyHistogram}; nothing is allocated per call.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Measure a model's inference latency (p50/p90/p99/p99.9) and throughput with N request threads.")
final class BenchmarkCommand extends JsonReportingCommand {
    @Mixin
    ServedModel model;

    @Option(names = "--batch", defaultValue = "1", description = "Rows per call (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "1", description = "Request threads sharing the predictor (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--blas-threads", description = "OpenBLAS threads for batch calls (default: cores / --threads, at least 1, "
            + "so request threads times BLAS threads never oversubscribe the cores; 1 with batch threads).")
    Integer blasThreads;

    @Option(names = "--batch-threads", description = "The predictor's own threads for a batch call: its rows cut into one"
            + " share per thread, each share run on its own core with one OpenBLAS thread. Needs --blas-threads 1."
            + " Default with one request thread: the cores, when there are 2 or more, --blas-threads is not given and"
            + " each gets at least " + Predictor.BATCH_THREAD_MIN_ROWS + " rows of a batch; else 1 (OpenBLAS's"
            + " threads).")
    Integer batchThreadsOption;

    /** The batch threads of this run: the option, else the default its description states. */
    private int batchThreads;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds before measuring (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--input", description = "IDX or CSV file of request rows (plain or gzipped, as predict --input reads"
            + " them): the calls go through up to " + RequestRows.MAX_BATCHES + " batches of its first rows in turn."
            + " Default: random values 0-255, the same row every call, with few zeros (single rows skip the weights"
            + " of inputs that are zero after the model's normalisation, so real rows can be faster).")
    java.nio.file.Path input;

    private static final double MIN_SECONDS = 0.01;
    private static final double MAX_SECONDS = 86_400;

    /**
     * A batch of request rows (floats per row: inputs plus outputs) must fit an array, and the threads' batches half
     * the heap.
     */
    private void requireRowsFit(int floatsPerRow) {
        double bytes = 4.0 * batch * floatsPerRow * (input == null ? threads : 1 + threads);
        long heap = Runtime.getRuntime().maxMemory();
        if ((double) batch * floatsPerRow > Integer.MAX_VALUE - 8 || bytes > heap / 2.0) {
            throw new UsageException(String.format(java.util.Locale.ROOT, "--batch %d with --threads %d needs %.1f MB"
                    + " of request rows, more than half the heap's %.0f MB (GATUN_JAVA_OPTS=-Xmx... raises it)",
                    batch, threads, bytes / 1048576, heap / 1048576.0));
        }
    }

    @Override
    public Integer call() throws Exception {
        // Bounded both ways: an infinite or huge time saturated (long) (x·1e9) and reported 0 calls as a result.
        if (batch < 1 || threads < 1 || !(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)
                || !(warmup >= 0 && warmup <= MAX_SECONDS)) {
            throw new UsageException("--batch and --threads must be >= 1, --seconds from " + MIN_SECONDS + " to "
                    + MAX_SECONDS + " and --warmup from 0 to " + MAX_SECONDS + "; got batch " + batch + ", threads "
                    + threads + ", seconds " + seconds + ", warmup " + warmup);
        }
        batchThreads = batchThreadsOption != null ? batchThreadsOption : defaultBatchThreads();
        if (batchThreads < 1 || batchThreads > Predictor.Options.MAX_BATCH_THREADS) {
            throw new UsageException("--batch-threads must be from 1 to " + Predictor.Options.MAX_BATCH_THREADS
                    + ", got " + batchThreads);
        }
        int blas = blasThreads != null ? blasThreads
                : batchThreads > 1 ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors() / threads);
        if (blas < 1) {
            throw new UsageException("--blas-threads must be >= 1, got " + blas);
        }
        if (batchThreads > 1 && blas != 1) {
            // The shares' sgemm calls would each want threads the other shares' cores are running.
            throw new UsageException("--batch-threads " + batchThreads + " runs each share with one OpenBLAS thread: "
                    + "it needs --blas-threads 1, got " + blas);
        }
        if (batchThreads > 1 && batch < batchThreads * Predictor.BATCH_THREAD_MIN_ROWS) {
            // Reported as run with batch threads, the calls would all have run on the request thread alone.
            throw new UsageException("--batch-threads " + batchThreads + " splits batches of at least "
                    + batchThreads * Predictor.BATCH_THREAD_MIN_ROWS + " rows (" + Predictor.BATCH_THREAD_MIN_ROWS
                    + " a thread); --batch " + batch + " would run on one thread");
        }
        if (blasThreads != null || Blas.threadsSettable()) {
            // The default's count, on a library without a thread call, would only log that it cannot be set.
            Blas.setThreads(blas);
        }
        if (batchThreadsOption == null && batchThreads > 1 && Blas.threads() != 1) {
            // The default's choice, not the user's: a library whose count Gatun cannot set keeps its own threads.
            batchThreads = 1;
        }
        if (batchThreads > 1 && Blas.threads() != 1) {
            throw new UsageException("--batch-threads needs the BLAS at one thread, and Gatun cannot set this "
                    + "library's count (" + Blas.info().threadControl() + "): set it to 1 there");
        }
        try (Predictor predictor = model.load(batchThreads)) {
            LatencyHistogram[] histograms = new LatencyHistogram[threads];
            Thread[] workers = new Thread[threads];
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            long[] window = new long[2];
            Throwable[] failure = new Throwable[1];
            // Every request's rows exist before any thread starts: a worker that failed to allocate them left the
            // start barrier one party short, and the command waited forever.
            float[][][] ins = new float[threads][][];
            float[][] outs = new float[threads][];
            requireRowsFit(predictor.inputs() + predictor.outputs());
            float[][] fromFile = input == null ? null : RequestRows.fromFile(input, batch, predictor.inputs(),
                    predictor.metadata().featureNames(), fileBatches(predictor.inputs()));
            for (int t = 0; t < threads; t++) {
                ins[t] = fromFile != null ? fromFile : RequestRows.random(t, batch, predictor.inputs());
                outs[t] = new float[batch * predictor.outputs()];
            }
            if (fromFile != null) {
                requireAccepted(predictor, fromFile, outs[0]);
            }
            long[][] spans = new long[threads][2];   // each thread's first counted call's start and last one's end
            for (int t = 0; t < threads; t++) {
                LatencyHistogram histogram = new LatencyHistogram();
                histograms[t] = histogram;
                float[][] in = ins[t];
                float[] out = outs[t];
                int first = t % in.length;   // threads sharing a file's batches start apart
                int thread = t;
                workers[t] = new Thread(() -> {
                    try {
                        int next = first;
                        start.await();
                        long warmEnd = window[0];
                        while (System.nanoTime() < warmEnd) {
                            predictor.predict(in[next], batch, out);
                            next = next + 1 == in.length ? 0 : next + 1;
                        }
                        long end = window[1];
                        long now = System.nanoTime();
                        spans[thread][0] = now;
                        while (now < end) {
                            predictor.predict(in[next], batch, out);
                            next = next + 1 == in.length ? 0 : next + 1;
                            long after = System.nanoTime();
                            histogram.record(after - now);
                            now = after;
                        }
                        spans[thread][1] = now;
                    } catch (Throwable e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                    }
                }, "gatun-benchmark-" + t);
                workers[t].start();
            }
            long t0 = System.nanoTime();
            window[0] = t0 + (long) (warmup * 1e9);
            window[1] = window[0] + (long) (seconds * 1e9);
            start.await();
            for (Thread w : workers) {
                w.join();
            }
            if (failure[0] != null) {
                throw new IllegalStateException("a request thread failed: " + failure[0].getMessage(), failure[0]);
            }
            LatencyHistogram all = new LatencyHistogram();
            for (LatencyHistogram h : histograms) {
                all.add(h);
            }
            Runtime rt = Runtime.getRuntime();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", model.file().toString());
            report.put("layers", predictor.spec().widths());
            report.put("batch", batch);
            report.put("threads", threads);
            report.put("blas_threads", Blas.threads());
            report.put("batch_threads", batchThreads);
            report.put("row_weights", model.rowWeights.name().toLowerCase(java.util.Locale.ROOT));
            report.put("input", input == null ? "random" : input.toString());
            report.put("input_batches", ins[0].length);
            // Rows over the time the counted calls took: the last call of each thread ends after the deadline (one
            // call of a large batch may be longer than --seconds), and dividing by --seconds overstated the rate.
            // Threads that counted no call (their warm-up call ran past the deadline) add no time either.
            long from = Long.MAX_VALUE;
            long to = Long.MIN_VALUE;
            for (int t = 0; t < threads; t++) {
                if (histograms[t].count() > 0) {
                    from = Math.min(from, spans[t][0]);
                    to = Math.max(to, spans[t][1]);
                }
            }
            if (all.count() == 0) {
                throw new IllegalStateException("no call started within the " + seconds + " s measured (one call of "
                        + batch + " rows takes longer): raise --seconds");
            }
            double measured = (to - from) / 1e9;
            report.put("seconds", seconds);
            report.put("measured_seconds", Math.round(measured * 1000) / 1000.0);
            report.put("calls", all.count());
            report.putAll(all.percentilesMicros());
            report.put("throughput_per_second", Math.round(all.count() * (double) batch / measured));
            report.put("heap_used_mb", Math.round((rt.totalMemory() - rt.freeMemory()) / 1048576.0 * 10) / 10.0);
            report.put("native_bytes", predictor.nativeBytes());
            report.forEach((key, value) -> System.out.printf("%-22s %s%n", key, value));
            json.print(report);
        }
        return 0;
    }

    /**
     * One request stream on a machine with cores to spare gets them as batch threads (each share's whole pass on its
     * own core, rather than OpenBLAS splitting each product alone): when every core gets at least
     * {@link Predictor#BATCH_THREAD_MIN_ROWS} rows. A smaller batch, or an explicit --blas-threads, keeps OpenBLAS's
     * threads, so no core is left idle that OpenBLAS would have used. So do several request threads: a predictor
     * has one set of batch threads, which one call holds at a time while the others run on their own threads.
     */
    private int defaultBatchThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        boolean everyCoreFed = (long) batch >= (long) cores * Predictor.BATCH_THREAD_MIN_ROWS;
        return threads == 1 && blasThreads == null && cores >= 2 && everyCoreFed
                ? Math.min(cores, Predictor.Options.MAX_BATCH_THREADS) : 1;
    }

    /**
     * Calls the predictor once on each of the file's batches before any thread starts, so that a row it refuses (a
     * value the model's normalisation or layers take out of float's range) is named by its place in the file, not
     * reported by a request thread as "row 2 of a call".
     */
    private void requireAccepted(Predictor predictor, float[][] batches, float[] out) {
        for (int b = 0; b < batches.length; b++) {
            try {
                predictor.predict(batches[b], batch, out);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(input + ": rows " + ((long) b * batch + 1) + " to "
                        + ((long) (b + 1) * batch) + " (batch " + (b + 1) + " of " + batches.length + "): "
                        + e.getMessage(), e);
            }
        }
    }

    /** How many batches of a file's rows to keep: up to 64, within a quarter of the heap, at least one. */
    private int fileBatches(int inputs) {
        double perBatch = 4.0 * batch * inputs;
        return (int) Math.max(1, Math.min(RequestRows.MAX_BATCHES, Runtime.getRuntime().maxMemory() / 4.0 / perBatch));
    }
}

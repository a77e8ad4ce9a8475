package dev.gatun.bench;

import dev.gatun.bindings.openblas.cblas_h;
import dev.gatun.blas.Blas;
import dev.gatun.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Gatun's door against C in one process: batches of the same product through {@code Blas.gemm} and through a C loop
 * (bench/native/gemm_loop.c) calling the very {@code cblas_sgemm}/{@code cblas_dgemm} the door calls, taking turns
 * on the same operands, so that their ratio is what the Java call path costs.
 *
 * <pre>
 *   java -Dgatun.blas.library=PATH [-Dgatun.threads=N] ... dev.gatun.bench.GemmPaired
 *        --loop target/bench/libgemm_loop.so --shape MxNxK [--precision f32,f64] [--batches 10]
 *        [--min-time 0.1] [--warmup 0.5] [--max-seconds 0] [--target-error 0.005]
 * </pre>
 *
 * Both results are checked against dot products in double first. The repetition count is doubled until one C batch
 * lasts at least --min-time; after --warmup seconds of alternating batches, pairs are timed in the order C, door,
 * door, C, C, door, … (so neither side always runs first), each batch's mean ns per call recorded: --batches pairs,
 * then more, two at a time, while the standard error of the pairs' ratios exceeds --target-error (relative), starting
 * new ones for at most --max-seconds after the required pairs. One JSON line per precision: the shape, the threads,
 * the repetitions, and both sides' per-batch means; bench/render/gemm.py reports C's mean over the door's with the
 * 99.9% half-width of the pairs' ratios.
 *
 * <p>Why: gemm_bench runs in a process of its own, minutes apart from JMH's. The door's checks cost nanoseconds
 * against a product's hundreds of microseconds, yet door/C between those processes moved by ±10% from run to run.
 */
public final class GemmPaired {
    private static final int DOOR_WARM_UP_CALLS = 20_000;  // on a 4×4×4 product: the door reaches C2 in ~20 ms
    private static final int MAX_PAIRS = 1_000;

    private GemmPaired() {
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        GemmOperands.requireNativeBlas();
        for (String precision : options.precisions) {
            System.out.println(measure(options, precision));
        }
    }

    /** One shape at one precision: the JSON line. */
    private static String measure(Options options, String precision) {
        warmUpDoor(precision);
        try (GemmOperands gemm = new GemmOperands(options.shape, precision)) {
            CLoop c = new CLoop(options.loop, gemm);
            gemm.check(gemm::door, "Blas.gemm");
            gemm.check(() -> c.run(1), "gemm_loop");
            long reps = 1;
            while (c.run(reps) < options.minTime * 1e9 && reps < Long.MAX_VALUE / 2) {
                reps *= 2;
            }
            long warmUpEnd = System.nanoTime() + (long) (options.warmup * 1e9);
            while (System.nanoTime() < warmUpEnd) {
                c.run(reps);
                door(gemm, reps);
            }
            // --batches pairs; then more, two at a time so that each side goes first as often, while the pairs'
            // ratios scatter (a noisy machine, a library whose calls vary), until their standard error is within
            // --target-error or --max-seconds have passed since the required pairs.
            List<Double> cNs = new ArrayList<>();
            List<Double> doorNs = new ArrayList<>();
            while (cNs.size() < options.batches || cNs.size() % 2 != 0) {
                pair(c, gemm, reps, cNs, doorNs);
            }
            long deadline = System.nanoTime() + (long) (options.maxSeconds * 1e9);
            while (cNs.size() < MAX_PAIRS && standardError(cNs, doorNs) > options.targetError
                    && System.nanoTime() < deadline) {
                pair(c, gemm, reps, cNs, doorNs);
                pair(c, gemm, reps, cNs, doorNs);
            }
            return String.format(Locale.ROOT,
                    "{\"shape\":\"%s\",\"precision\":\"%s\",\"threads\":%d,\"reps\":%d,\"c_ns\":%s,\"door_ns\":%s}",
                    options.shape, precision, Blas.threads(), reps, json(cNs), json(doorNs));
        }
    }

    /** One pair of batches, C first in even pairs and the door first in odd ones; ns per call of each. */
    private static void pair(CLoop c, GemmOperands gemm, long reps, List<Double> cNs, List<Double> doorNs) {
        if (cNs.size() % 2 == 0) {
            cNs.add(c.run(reps) / reps);
            doorNs.add(door(gemm, reps) / reps);
        } else {
            doorNs.add(door(gemm, reps) / reps);
            cNs.add(c.run(reps) / reps);
        }
    }

    /** Nanoseconds for reps products through the door. */
    private static double door(GemmOperands gemm, long reps) {
        long start = System.nanoTime();
        for (long r = 0; r < reps; r++) {
            gemm.door();
        }
        return System.nanoTime() - start;
    }

    /** Compiles the door's checks before the first timed batch, whatever the shape: a large product calls it rarely. */
    private static void warmUpDoor(String precision) {
        try (GemmOperands tiny = new GemmOperands("4x4x4", precision)) {
            for (int i = 0; i < DOOR_WARM_UP_CALLS; i++) {
                tiny.door();
            }
        }
    }

    /** The standard error of the mean of the pairs' ratios c/door, relative to that mean. */
    static double standardError(List<Double> c, List<Double> door) {
        int n = c.size();
        if (n < 2) {
            return Double.POSITIVE_INFINITY;
        }
        double[] ratios = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            ratios[i] = c.get(i) / door.get(i);
            mean += ratios[i] / n;
        }
        double squares = 0;
        for (double r : ratios) {
            squares += (r - mean) * (r - mean);
        }
        return Math.sqrt(squares / (n - 1) / n) / mean;
    }

    private static String json(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v))
                .collect(Collectors.joining(",", "[", "]"));
    }

    /** gemm_loop from the C library, bound to the operands and to the BLAS function the door's binding resolves. */
    private static final class CLoop {
        private final MethodHandle loop;
        private final MemorySegment function;
        private final GemmOperands gemm;

        CLoop(Path library, GemmOperands gemm) {
            if (!Files.isRegularFile(library)) {
                throw new IllegalArgumentException("--loop " + library + " is not a file: bench/native/build.sh "
                        + "builds target/bench/libgemm_loop.so");
            }
            this.gemm = gemm;
            // The binding's own address: the function the door calls, in the library it loaded, with its threads
            function = gemm.dtype == DType.F32 ? cblas_h.cblas_sgemm$address() : cblas_h.cblas_dgemm$address();
            MemorySegment entry = SymbolLookup.libraryLookup(library, Arena.global()).find("gemm_loop")
                    .orElseThrow(() -> new IllegalArgumentException("--loop " + library + " has no gemm_loop"));
            loop = Linker.nativeLinker().downcallHandle(entry, FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
        }

        /** Nanoseconds for reps products, timed in C. */
        double run(long reps) {
            try {
                return (double) loop.invokeExact(function, gemm.dtype == DType.F64 ? 1 : 0, gemm.m, gemm.n, gemm.k,
                        gemm.A.segment(), gemm.B.segment(), gemm.C.segment(), reps);
            } catch (Throwable t) {
                throw new IllegalStateException("gemm_loop failed", t);
            }
        }
    }

    private record Options(Path loop, String shape, List<String> precisions, int batches, double minTime,
                           double warmup, double maxSeconds, double targetError) {
        static Options parse(String[] args) {
            Path loop = null;
            String shape = null;
            List<String> precisions = List.of("f32");
            int batches = 10;
            double minTime = 0.1;
            double warmup = 0.5;
            double maxSeconds = 0;
            double targetError = 0.005;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                switch (args[i++]) {
                    case "--loop" -> loop = Path.of(value);
                    case "--shape" -> shape = value;
                    case "--precision" -> precisions = List.of(value.split(","));
                    case "--batches" -> batches = Integer.parseInt(value);
                    case "--min-time" -> minTime = Double.parseDouble(value);
                    case "--warmup" -> warmup = Double.parseDouble(value);
                    case "--max-seconds" -> maxSeconds = Double.parseDouble(value);
                    case "--target-error" -> targetError = Double.parseDouble(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i - 1]
                            + ": --loop, --shape, --precision, --batches, --min-time, --warmup, --max-seconds, "
                            + "--target-error");
                }
            }
            if (loop == null || shape == null) {
                throw new IllegalArgumentException("--loop LIBRARY and --shape MxNxK are required");
            }
            if (batches < 2 || !(minTime > 0) || !(warmup >= 0) || !(maxSeconds >= 0) || !(targetError > 0)) {
                throw new IllegalArgumentException("--batches must be at least 2, --min-time and --target-error "
                        + "positive, --warmup and --max-seconds not negative: " + String.join(" ", args));
            }
            return new Options(loop, shape, precisions, batches, minTime, warmup, maxSeconds, targetError);
        }
    }
}

package dev.gatun.serve;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.ActivationKernels;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.kernels.StepPool;
import dev.gatun.kernels.SoftmaxKernels;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe, allocation-free inference for services: any number of threads share one Predictor.
 *
 * <p><b>What it computes.</b> The model's INFERENCE-mode output (softmax probabilities, sigmoid probabilities, or
 * the MSE model's values) for raw inputs, after the model's stored {@link Normalization}. The predictor compiles
 * the model once into float32 dense stages in its own shared arena (batch norm folded into the weights, dropout
 * gone; see {@link Stage}), so the Model it came from may be closed afterwards. Results agree with
 * {@link Model#forward} to float32 rounding, not bit for bit (folding and summation order differ). A single row
 * (and batches under {@value #BLAS_MIN_ROWS} rows) runs the Vector API row kernel over weights packed for it
 * ({@link RowPanels}: float32, or bfloat16 on request, {@link RowWeights}); larger batches go through sgemm.
 * A given row predicted alone (or in a batch under {@value #BLAS_MIN_ROWS} rows) gives the same bits on every thread
 * and every call. In a larger batch its last bits may also depend on the batch's other rows (sgemm's blocking, and the
 * batch softmax shifting a block of rows by the block's largest logit), and differ from the single-row result by
 * float32 rounding; so may a batch split across batch threads ({@link Options#withBatchThreads}) and the same
 * batch run unsplit, as a call is when another holds the batch threads (each share is a product of fewer rows, and
 * its softmax blocks start at its first row).
 *
 * <p><b>Start-up.</b> {@link #load} and {@link #of} check that the BLAS the batch path needs is loaded and works
 * ({@link Blas#requireAvailable()}), and throw {@link dev.gatun.blas.BlasUnavailableException} (what is missing,
 * how to install it) if not, so a service without OpenBLAS fails when it starts, not in its first batch request.
 *
 * <p><b>Threads.</b> Parameters are written once, at construction, then only read. Each call borrows a
 * {@link Context} (its scratch memory) from a {@link ContextPool} of {@link Options#slots} slots: one
 * compare-and-set to take one, one volatile write to give it back, no lock. OpenBLAS threads (batch path) are global: for a server, one BLAS thread per request
 * thread ({@code -Dgatun.threads=1}) is the usual choice, letting request threads use the cores. With
 * {@link Options#withBatchThreads} the predictor also has threads of its own: while the BLAS runs one thread, a batch
 * of at least {@value #BATCH_THREAD_MIN_ROWS} rows per thread is cut into one share of rows per thread, each
 * share's whole pass on its own core ({@link BatchSplit}), one such call at a time; a batch call that finds them busy
 * runs on its own thread. A caller that sends one large batch after another gets every core that way, more than
 * OpenBLAS's own threads give (they split each product alone, and the work between products runs on one core).
 *
 * <p><b>Close.</b> {@link #close()} marks the predictor closed, then waits for every call already running to give
 * its slot back (a call lasts microseconds), retires every slot, and only then frees the arenas. A call that
 * starts after close began throws IllegalStateException; no call ever touches freed memory, so closing under load
 * is safe. Close is idempotent.
 *
 * <p><b>Allocation.</b> After a slot's first use (and a batch size's first use in that slot, and its first
 * use split across the batch threads) calls allocate nothing on the heap; of batch sizes over 4,096 rows a slot
 * keeps the four most recent. <b>Input policy:</b> wrong lengths throw IllegalArgumentException naming both lengths;
 * NaN or ±Inf inputs, finite ones that the model's normalisation takes to ±Inf (a feature with a tiny std), and
 * finite rows that overflow the layers into a NaN or ±Inf output throw IllegalArgumentException naming the input
 * under {@link NonFinite#REJECT} (default), leaving out as it was, or flow through IEEE arithmetic under
 * {@link NonFinite#PROPAGATE} (NaN in, NaN out).
 */
public final class Predictor implements AutoCloseable {
    /** Batches with fewer rows run the row kernel per row; from here on, sgemm wins. */
    public static final int BLAS_MIN_ROWS = 8;
    /**
     * Batch threads ({@link Options#withBatchThreads}) split a batch of at least this many rows per thread. A floor
     * below which splitting was not measured, not a measured crossover: at 64 rows a share the split still beats
     * OpenBLAS's own threads (BENCHMARKS.md, "At the 64-row floor").
     */
    public static final int BATCH_THREAD_MIN_ROWS = 64;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final Logger LOG = LoggerFactory.getLogger(Predictor.class);
    /** Held here, not reached through RowKernels: one call level less above the Vector API's own (C2 inlines 15). */
    private static final KernelProvider.Serving SERVING = KernelProvider.selected().serving();

    /** What to do with NaN or infinite inputs. */
    public enum NonFinite {
        /**
         * IllegalArgumentException naming the first bad element (checked as each row is normalised, before its
         * products; with batch threads the other shares' rows may still run), or the first row whose
         * finite values overflow the model's layers into a NaN or ±Inf output; the caller's out is left as it was.
         */
        REJECT,
        /** No check: IEEE arithmetic carries NaN and Inf to the outputs. */
        PROPAGATE
    }

    /**
     * @param slots        how many calls may run at once (each slot holds one context's scratch memory)
     * @param rowWeights   how the row kernel (single rows, batches under {@value #BLAS_MIN_ROWS}) stores the weights
     * @param batchThreads threads, the caller's included, that share a large batch call's rows ({@link #withBatchThreads})
     */
    public record Options(NonFinite nonFinite, int slots, RowWeights rowWeights, int batchThreads) {
        /** The most slots: each is a 64-byte word of the pool's array, and more calls at once than this do not happen. */
        public static final int MAX_SLOTS = 1 << 16;
        /** The most batch threads: one per core of the largest machines, and each costs a parked thread. */
        public static final int MAX_BATCH_THREADS = 1024;

        public Options {
            if (nonFinite == null || slots < 1 || slots > MAX_SLOTS || rowWeights == null) {
                throw new IllegalArgumentException("predictor options need a NonFinite policy, 1 to " + MAX_SLOTS
                        + " slots and a RowWeights, got " + nonFinite + ", " + slots + ", " + rowWeights);
            }
            if (batchThreads < 1 || batchThreads > MAX_BATCH_THREADS) {
                throw new IllegalArgumentException("predictor options need 1 to " + MAX_BATCH_THREADS
                        + " batch threads, got " + batchThreads);
            }
        }

        /** One batch thread: the calling thread alone (see {@link #withBatchThreads}). */
        public Options(NonFinite nonFinite, int slots, RowWeights rowWeights) {
            this(nonFinite, slots, rowWeights, 1);
        }

        /** REJECT, 4 slots per core (at least 16), exact float32 row weights, one batch thread. */
        public static Options defaults() {
            return new Options(NonFinite.REJECT, Math.max(16, 4 * Runtime.getRuntime().availableProcessors()),
                    RowWeights.FLOAT32, 1);
        }

        public Options withNonFinite(NonFinite policy) {
            return new Options(policy, slots, rowWeights, batchThreads);
        }

        public Options withSlots(int count) {
            return new Options(nonFinite, count, rowWeights, batchThreads);
        }

        public Options withRowWeights(RowWeights format) {
            return new Options(nonFinite, slots, format, batchThreads);
        }

        /**
         * Threads, the caller's included, that share a large batch call's rows while the BLAS runs one thread
         * ({@code -Dgatun.threads=1} or {@code Blas.setThreads(1)}); 1, the default, starts none. The cores a
         * service gives its batch calls: with one caller sending batches, the cores. The predictor starts
         * {@code count − 1} parked daemon threads and stops them on {@link Predictor#close()}; a predictor never
         * closed keeps them until the JVM exits.
         */
        public Options withBatchThreads(int count) {
            return new Options(nonFinite, slots, rowWeights, count);
        }
    }

    private final Arena arena = Arena.ofShared();
    private final List<Stage> stages;
    private final Stage[] stageArray;
    private final Loss loss;
    private final int inputs;
    private final int outputs;
    private final float[] scale;
    private final float[] shift;
    private final boolean reject;
    private final ContextPool pool;
    /** The predictor's own threads for large batches; null with one batch thread. */
    private final BatchSplit split;
    /** The state of the split call running, owned by whichever thread holds {@link #split}. */
    private final SplitCall splitCall;
    private final AtomicLong nativeBytes = new AtomicLong();
    private final Object closeLock = new Object();
    private boolean released;

    private final ModelSpec spec;
    private final ModelMetadata metadata;

    private Predictor(Model model, Normalization normalization, Options options, Map<String, String> metadata) {
        if (model == null || normalization == null || options == null) {
            throw new IllegalArgumentException("predictor: model, normalization and options must not be null");
        }
        if (normalization.features() != model.inputs()) {
            throw new IllegalArgumentException("predictor: normalisation covers " + normalization.features()
                    + " features but the model takes " + model.inputs() + " inputs");
        }
        model.requireParametersAlive("predictor");
        Blas.requireAvailable(); // batches of BLAS_MIN_ROWS+ rows need sgemm: a missing OpenBLAS stops start-up, not a request
        this.spec = model.spec();
        this.metadata = ModelMetadata.of(metadata, model.inputs());
        try {
            this.stages = Stage.compile(model, arena, options.rowWeights());
            this.pool = new ContextPool(stages, options.slots());
            this.stageArray = stages.toArray(Stage[]::new);
            // The training data's own map, so a served row is normalised to the same bits as a training batch's.
            this.scale = normalization.scales();
            this.shift = normalization.shifts();
            this.splitCall = options.batchThreads() > 1 ? new SplitCall(options.batchThreads()) : null;
            // Last, after everything else that can fail: a thread that cannot be started (a container's process
            // limit) stops the ones started before it, and nothing after this line can leave them running.
            this.split = options.batchThreads() > 1 ? new BatchSplit(options.batchThreads()) : null;
        } catch (RuntimeException | Error e) {
            // A stage that cannot be compiled (weights beyond bfloat16) after others were, no heap for the pool, or
            // no thread for the batch threads: free the stages compiled so far.
            arena.close();
            throw e;
        }
        if (split != null && Blas.threads() != 1) {
            LOG.warn("predictor: {} batch threads wait for the BLAS to run one thread (it runs {}): until then "
                    + "batches use the BLAS's threads (-Dgatun.threads=1 or Blas.setThreads(1))",
                    options.batchThreads(), Blas.threads());
        }
        this.loss = model.loss();
        this.inputs = model.inputs();
        this.outputs = model.outputs();
        this.reject = options.nonFinite() == NonFinite.REJECT;
        stages.forEach(s -> nativeBytes.addAndGet(s.bytes()));
    }

    /**
     * A predictor for an in-memory model: its parameters are copied, so the model may be closed afterwards.
     *
     * @throws dev.gatun.blas.BlasUnavailableException when no usable BLAS is loaded (see {@link Blas#requireAvailable()})
     */
    public static Predictor of(Model model, Normalization normalization) {
        return of(model, normalization, Options.defaults());
    }

    public static Predictor of(Model model, Normalization normalization, Options options) {
        return new Predictor(model, normalization, options, Map.of());
    }

    /**
     * A predictor for a model file ({@link ModelIo#load}: validated before anything is allocated). An ONNX file (told
     * by its first bytes, else by a name ending in {@code .onnx}) is read as ONNX (a PyTorch-exported multilayer
     * perceptron, or Gatun's own export) and compiled into the same stages as a Gatun model.
     *
     * @throws dev.gatun.blas.BlasUnavailableException when no usable BLAS is loaded (see {@link Blas#requireAvailable()})
     */
    public static Predictor load(Path file) throws IOException {
        return load(file, Options.defaults());
    }

    public static Predictor load(Path file, Options options) throws IOException {
        try (Arena temporary = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, temporary);
            try (Model model = loaded.model()) {
                return new Predictor(model, loaded.normalization(), options, loaded.metadata().asMap());
            } catch (IllegalArgumentException e) {
                // A file can hold finite parameters that fold into infinite ones (batch norm's γ/√(σ² + ε)): say which.
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
    }

    public int inputs() {
        return inputs;
    }

    /**
     * Runs every prediction path ({@link WarmUp}; through the {@code float[]} calls, whose kernels the
     * {@code MemorySegment} calls share) until the JIT has compiled it, so that a service's first requests
     * are as fast as its later ones: a freshly loaded predictor's first calls run the Vector API kernels
     * interpreted, 100 times slower or worse, and it takes about ten thousand calls to reach steady latency.
     * Call it once at start-up, before taking traffic; it takes at most five seconds (20,000 rows, 200 calls of each
     * batch path, then rounds of 1,000 rows until a round is no faster, two seconds at the most; fewer of each when a
     * large model would take longer) and changes no state. Returns this predictor.
     *
     * @throws IllegalStateException when the predictor is closed
     */
    public Predictor warmUp() {
        WarmUp.run(this, scale, shift);
        return this;
    }

    /** The architecture: layer widths, activations, loss. */
    public ModelSpec spec() {
        return spec;
    }

    /**
     * What the model file says about the model: Gatun version, creation time, class and feature names, training
     * configuration and results. Empty but for the feature count for a predictor made with {@link #of}.
     */
    public ModelMetadata metadata() {
        return metadata;
    }

    public int outputs() {
        return outputs;
    }

    public Loss loss() {
        return loss;
    }

    /** Off-heap bytes this predictor holds: the compiled parameters plus every cached batch buffer. */
    public long nativeBytes() {
        return nativeBytes.get();
    }

    /** One row: {@code out} ({@link #outputs()} values) from {@code in} ({@link #inputs()} raw features). */
    public void predict(float[] in, float[] out) {
        requireLength("output", out, outputs);
        int slot = runRow(in);
        try {
            System.arraycopy(pool.context(slot).out, 0, out, 0, outputs);
        } finally {
            pool.release(slot);
        }
    }

    /** Checks one input row, takes a slot and runs the row kernel; the caller reads its context's out, then releases. */
    private int runRow(float[] in) {
        requireLength("input", in, inputs);
        int slot = pool.acquire();
        try {
            Context c = pool.context(slot);
            SERVING.normalize(in, 0, scale, shift, c.x, inputs);
            if (reject) {
                rejectNormalized(c.x, in, 0);
            }
            row(c);
            if (reject) {
                rejectOutput(c.out, in, 0, false);
            }
            return slot;
        } catch (RuntimeException | Error e) {
            pool.release(slot);
            throw e;
        }
    }

    /**
     * One row from and to float32 segments in native byte order, of exactly inputs·4 and outputs·4 bytes.
     *
     * <p>A segment mapped from a file must stay whole while a call reads it: a file truncated under the call can crash
     * the JVM with SIGBUS, as the JDK's vector loads (JDK 25) take the fault where scalar reads raise an
     * {@link InternalError}. Copy rows out of a file that others may shorten.
     */
    public void predict(MemorySegment in, MemorySegment out) {
        requireSegment("input", in, inputs, 1);
        requireSegment("output", out, outputs, 1);
        int slot = pool.acquire();
        try {
            Context c = pool.context(slot);
            SERVING.normalize(in, 0, scale, shift, c.x, inputs);
            if (reject) {
                rejectNormalized(c.x, in, 0);
            }
            row(c);
            if (reject) {
                rejectOutput(c.out, in, 0, false);
            }
            store(c.out, out, 0);
        } finally {
            pool.release(slot);
        }
    }

    /** Whether {@link #classify} is defined: a softmax model, or a single sigmoid output. */
    public boolean canClassify() {
        return loss.predictsClasses(outputs);
    }

    /**
     * The predicted class of one row: the most probable for softmax, {@code p ≥ 0.5} for a single sigmoid output.
     * Not defined for MSE regression or several independent sigmoid outputs (UnsupportedOperationException).
     */
    public int classify(float[] in) {
        requireClassifier();
        int slot = runRow(in);
        try {
            return classOf(pool.context(slot).out);
        } finally {
            pool.release(slot);
        }
    }

    /** {@link #classify(float[])} and {@link #predict(float[], float[])} in one pass: the class, with its probabilities in out. */
    public int classify(float[] in, float[] out) {
        requireClassifier();
        requireLength("output", out, outputs);
        int slot = runRow(in);
        try {
            float[] probabilities = pool.context(slot).out;
            int predicted = classOf(probabilities);   // first: a refused row leaves out as it was
            System.arraycopy(probabilities, 0, out, 0, outputs);
            return predicted;
        } finally {
            pool.release(slot);
        }
    }

    private void requireClassifier() {
        if (!canClassify()) {
            throw new UnsupportedOperationException("classify needs a softmax model or one sigmoid output; this is "
                    + loss + " with " + outputs + " outputs: use predict");
        }
    }

    /**
     * The first most probable class (softmax), or p ≥ 0.5 (one sigmoid output). A NaN output (which only
     * {@link NonFinite#PROPAGATE} lets through) has no class: every comparison with it is false, which read as a
     * confident class 0. An int cannot carry the NaN on, so it is refused.
     */
    private int classOf(float[] probabilities) {
        if (loss == Loss.BINARY_CROSS_ENTROPY) {
            float p = probabilities[0];
            if (Float.isNaN(p)) {
                throw noClass(0);
            }
            return p >= 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int j = 0; j < outputs; j++) {
            if (Float.isNaN(probabilities[j])) {
                throw noClass(j);
            }
            if (probabilities[j] > probabilities[best]) {
                best = j;
            }
        }
        return best;
    }

    private static IllegalArgumentException noClass(int output) {
        return new IllegalArgumentException("classify: output " + output + " is NaN (a non-finite input, or a row "
                + "that overflows the layers, let through by NonFinite.PROPAGATE), so the row has no class; "
                + "predict returns the NaN outputs");
    }

    /** m rows: {@code rows} holds m·inputs raw features row after row, {@code out} receives m·outputs values. */
    public void predict(float[] rows, int m, float[] out) {
        requireRows(m);
        requireLength("input", rows, (long) m * inputs);
        requireLength("output", out, (long) m * outputs);
        int slot = pool.acquire();
        try {
            Context c = pool.context(slot);
            if (m < BLAS_MIN_ROWS) {
                // Staged in the context, so that a rejected row leaves out as it was.
                for (int r = 0; r < m; r++) {
                    SERVING.normalize(rows, r * inputs, scale, shift, c.x, inputs);
                    if (reject) {
                        rejectNormalized(c.x, rows, r * inputs);
                    }
                    row(c);
                    if (reject) {
                        rejectOutput(c.out, rows, r * inputs, true);
                    }
                    System.arraycopy(c.out, 0, c.staged, r * outputs, outputs);
                }
                System.arraycopy(c.staged, 0, out, 0, m * outputs);
                return;
            }
            // out is written at the end, so a rejected batch leaves it as it was; the batch has by then taken a slot
            // and sized the context's buffers for m rows, as a valid one would.
            MemorySegment result = batchPass(c.batch(m, nativeBytes), rows, null).segment();
            if (reject) {
                rejectOutputs(result, m, rows);
            }
            MemorySegment.copy(result, FLOAT, 0, out, 0, m * outputs);
        } finally {
            pool.release(slot);
        }
    }

    /**
     * m rows from and to float32 segments in native byte order (m·inputs·4 and m·outputs·4 bytes). A segment mapped
     * from a file must stay whole while the call reads it (see {@link #predict(MemorySegment, MemorySegment)}).
     */
    public void predict(MemorySegment rows, int m, MemorySegment out) {
        requireRows(m);
        requireSegment("input", rows, inputs, m);
        requireSegment("output", out, outputs, m);
        int slot = pool.acquire();
        try {
            Context c = pool.context(slot);
            if (m < BLAS_MIN_ROWS) {
                for (int r = 0; r < m; r++) {
                    SERVING.normalize(rows, 4L * r * inputs, scale, shift, c.x, inputs);
                    if (reject) {
                        rejectNormalized(c.x, rows, (long) r * inputs);
                    }
                    row(c);
                    if (reject) {
                        rejectOutput(c.out, rows, (long) r * inputs, true);
                    }
                    System.arraycopy(c.out, 0, c.staged, r * outputs, outputs);
                }
                for (int k = 0; k < m * outputs; k++) {   // a plain loop: MemorySegment.copy from an array allocates
                    out.set(FLOAT, 4L * k, c.staged[k]);
                }
                return;
            }
            // As in predict(float[], int, float[]): out written at the end.
            MemorySegment result = batchPass(c.batch(m, nativeBytes), null, rows).segment();
            if (reject) {
                rejectOutputs(result, m, rows);
            }
            MemorySegment.copy(result, 0, out, 0, 4L * m * outputs);
        } finally {
            pool.release(slot);
        }
    }

    /** A row's outputs into a segment; a plain loop, because MemorySegment.copy from an array wraps it (allocates). */
    private void store(float[] values, MemorySegment out, long at) {
        for (int j = 0; j < outputs; j++) {
            out.set(FLOAT, at + 4L * j, values[j]);
        }
    }

    /** The row kernel through every stage: c.x (normalised) to c.out. */
    private void row(Context c) {
        float[] x = c.x;
        boolean descending = c.descending;
        c.descending = !descending;
        for (int s = 0; s < stageArray.length; s++) {
            Stage st = stageArray[s];
            float[] a = c.a[s];
            st.row(x, c.nonzero, a, descending);
            x = a;
        }
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> SERVING.softmax(x, c.out, outputs);
            case BINARY_CROSS_ENTROPY -> SERVING.activate(Activation.SIGMOID, x, c.out, outputs);
            case MSE -> System.arraycopy(x, 0, c.out, 0, outputs);
        }
    }

    /**
     * The BLAS path for a batch of raw rows (exactly one of {@code array} and {@code segment}): normalised into
     * batch.X, checked under REJECT, and through every stage; returns the output tensor. On the batch threads when
     * they are free and the batch large enough ({@link BatchSplit}), else on the calling thread.
     */
    private Tensor batchPass(Context.SizeBuffers batch, float[] array, MemorySegment segment) {
        if (split == null || !split.tryTake(batch.m)) {
            normalizeOrRefuse(batch, array, segment);
            forward(batch);
            return output(batch);
        }
        try {
            // A confined arena's rows are readable by their owner thread alone: normalised here, then split.
            boolean sharesNormalize = array != null || split.reaches(segment);
            if (!sharesNormalize) {
                normalizeOrRefuse(batch, null, segment);
            }
            splitCall.start(batch.shares(split.threads()), array, segment, sharesNormalize);
            try {
                split.run(splitCall);
            } finally {
                splitCall.finish();
            }
            for (long bad : splitCall.firstRefused) {   // shares in row order: the batch's first refused input
                if (bad >= 0) {
                    throw refused(batch, bad, array, segment);
                }
            }
            return output(batch);
        } finally {
            split.release();
        }
    }

    /**
     * Normalises rows {@code b.from ..} of the caller's batch into b.X, checking each row under REJECT just after
     * it is normalised, while it is in L1 (one read of the input; a finite value the normalisation takes to ±Inf is
     * caught too). Returns the flat index in the caller's batch of the first refused input, or −1.
     */
    private long normalizeRows(Context.SizeBuffers b, float[] array, MemorySegment segment) {
        MemorySegment X = b.X.segment();
        for (int r = 0; r < b.m; r++) {
            long row = (long) (b.from + r) * inputs;
            long at = 4L * r * inputs;
            if (array != null) {
                SERVING.normalize(array, (int) row, scale, shift, X, at, inputs);
            } else {
                SERVING.normalize(segment, 4 * row, scale, shift, X, at, inputs);
            }
            if (reject) {
                long bad = SERVING.firstNonFinite(X, at, inputs);
                if (bad >= 0) {
                    return row + bad;
                }
            }
        }
        return -1;
    }

    /** Normalises the whole batch on the calling thread, throwing for its first refused input. */
    private void normalizeOrRefuse(Context.SizeBuffers batch, float[] array, MemorySegment segment) {
        long bad = normalizeRows(batch, array, segment);
        if (bad >= 0) {
            throw refused(batch, bad, array, segment);
        }
    }

    /** The exception for the batch's input at flat index {@code index}, whose normalised value is in batch.X. */
    private IllegalArgumentException refused(Context.SizeBuffers batch, long index, float[] array, MemorySegment segment) {
        float value = array != null ? array[(int) index] : segment.get(FLOAT, 4 * index);
        return nonFinite(index, value, batch.X.segment().get(FLOAT, 4 * index));
    }

    /** Every stage, then the loss's output function, over b's rows: b.X (normalised) to the output tensor ({@link #output}). */
    private void forward(Context.SizeBuffers b) {
        Tensor x = b.X;
        for (int s = 0; s < stageArray.length; s++) {
            Stage st = stageArray[s];
            Tensor A = b.A[s];
            Blas.gemm(Transpose.NONE, Transpose.TRANSPOSED, 1.0, x, st.W(), 0.0, A);
            ActivationKernels.biasActivation(st.g(), A, st.bias(), A);
            x = A;
        }
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> SoftmaxKernels.softmax(x, b.P);
            case BINARY_CROSS_ENTROPY -> ActivationKernels.activate(Activation.SIGMOID, x, b.P);
            case MSE -> { }   // the last stage's activations are the output
        }
    }

    private Tensor output(Context.SizeBuffers b) {
        return loss == Loss.MSE ? b.A[b.A.length - 1] : b.P;
    }

    /**
     * The split call running: its shares and rows, set by the thread holding the split before the shares run and
     * cleared after (nothing of a call is kept), and each share's first refused input. One per predictor, so a
     * split call allocates nothing.
     */
    private final class SplitCall implements StepPool.Chunks {
        /** Per share, the flat index of its first refused input, or −1. */
        final long[] firstRefused;
        private Context.SizeBuffers[] shares;
        private float[] array;
        private MemorySegment segment;
        private boolean normalize;

        SplitCall(int threads) {
            this.firstRefused = new long[threads];
        }

        void start(Context.SizeBuffers[] shares, float[] array, MemorySegment segment, boolean normalize) {
            this.shares = shares;
            this.array = array;
            this.segment = segment;
            this.normalize = normalize;
            java.util.Arrays.fill(firstRefused, -1);
        }

        void finish() {
            shares = null;
            array = null;
            segment = null;
        }

        @Override
        public void run(int k) {
            Context.SizeBuffers share = shares[k];
            if (normalize) {
                long bad = normalizeRows(share, array, segment);
                if (bad >= 0) {
                    firstRefused[k] = bad;
                    return;   // the call throws once every share is done
                }
            }
            forward(share);
        }
    }

    /** Waits for running calls to finish, then frees the parameters and every context's buffers. Idempotent. */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (released) {
                return;
            }
            released = true;   // first: a close that failed part-way must not leave a second close waiting forever
            try {
                pool.close();
            } finally {
                if (split != null) {
                    split.close();   // after the slots: no call holds the split any more
                }
                arena.close();
                nativeBytes.set(0);
            }
        }
    }

    /** The batch threads' split, null with one batch thread (tests read its counts). */
    BatchSplit batchSplit() {
        return split;
    }

    public boolean isClosed() {
        return pool.isClosed();
    }

    private static void requireRows(int m) {
        if (m < 1) {
            throw new IllegalArgumentException("batch prediction needs m >= 1 rows, got " + m);
        }
    }

    private static void requireLength(String what, float[] array, long expected) {
        if (array == null) {
            throw new IllegalArgumentException(what + " array is null");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(what + " has " + array.length + " values but the model needs " + expected);
        }
    }

    private static void requireSegment(String what, MemorySegment segment, int perRow, int m) {
        if (segment == null) {
            throw new IllegalArgumentException(what + " segment is null");
        }
        // Named here: the JDK's own exceptions say only "Already closed" or "Attempted access outside owning thread".
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(what + " segment lives in an arena that is already closed");
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException(what + " segment belongs to a confined arena of another thread");
        }
        long bytes = 4L * perRow * m;
        if (segment.byteSize() != bytes) {
            throw new IllegalArgumentException(what + " segment has " + segment.byteSize() + " bytes but the model needs "
                    + bytes + " (" + (long) perRow * m + " float32 values)");
        }
        if (what.equals("output") && segment.isReadOnly()) {
            throw new IllegalArgumentException("output segment is read-only");
        }
    }

    /*
     * NonFinite.REJECT checks a row once it is normalised: x holds the row that starts at flat index `from` of the
     * caller's rows, normalised. A NaN or ±Inf there comes from a non-finite input, or from a finite one that the
     * normalisation takes out of float's range; the exception names the input and which of the two it was.
     */

    private void rejectNormalized(float[] x, float[] rows, int from) {
        int bad = SERVING.firstNonFinite(x, 0, inputs);
        if (bad >= 0) {
            throw nonFinite(from + bad, rows[from + bad], x[bad]);
        }
    }

    private void rejectNormalized(float[] x, MemorySegment rows, long from) {
        int bad = SERVING.firstNonFinite(x, 0, inputs);
        if (bad >= 0) {
            throw nonFinite(from + bad, rows.get(FLOAT, 4 * (from + bad)), x[bad]);
        }
    }

    /*
     * NonFinite.REJECT also checks what the network made of a row: finite inputs far outside the training data's
     * range (1e37, say) can overflow a layer, and softmax then gives NaN, which classify would read as class 0.
     */

    private void rejectOutput(float[] y, float[] rows, int from, boolean batch) {
        int bad = SERVING.firstNonFinite(y, 0, outputs);
        if (bad >= 0) {
            throw overflow(batch, from, bad, y[bad], largest(rows, from));
        }
    }

    private void rejectOutput(float[] y, MemorySegment rows, long from, boolean batch) {
        int bad = SERVING.firstNonFinite(y, 0, outputs);
        if (bad >= 0) {
            throw overflow(batch, from, bad, y[bad], largest(rows, from));
        }
    }

    /** The BLAS path: m rows of outputs in {@code y}. */
    private void rejectOutputs(MemorySegment y, int m, float[] rows) {
        long bad = SERVING.firstNonFinite(y, 0, (long) m * outputs);
        if (bad >= 0) {
            long from = bad / outputs * inputs;
            throw overflow(true, from, (int) (bad % outputs), y.get(FLOAT, 4 * bad), largest(rows, (int) from));
        }
    }

    private void rejectOutputs(MemorySegment y, int m, MemorySegment rows) {
        long bad = SERVING.firstNonFinite(y, 0, (long) m * outputs);
        if (bad >= 0) {
            long from = bad / outputs * inputs;
            throw overflow(true, from, (int) (bad % outputs), y.get(FLOAT, 4 * bad), largest(rows, from));
        }
    }

    private float largest(float[] rows, int from) {
        float max = 0f;
        for (int k = 0; k < inputs; k++) {
            max = Math.max(max, Math.abs(rows[from + k]));
        }
        return max;
    }

    private float largest(MemorySegment rows, long from) {
        float max = 0f;
        for (int k = 0; k < inputs; k++) {
            max = Math.max(max, Math.abs(rows.get(FLOAT, 4 * (from + k))));
        }
        return max;
    }

    private IllegalArgumentException overflow(boolean batch, long from, int output, float value, float largest) {
        String where = batch ? "input row " + from / inputs : "the input";
        return new IllegalArgumentException(where + " gives output " + output + " = " + value + ": its values are"
                + " finite (largest magnitude " + largest + ") but overflow the model's layers in float32"
                + " (non-finite results are rejected; Options.withNonFinite(PROPAGATE) lets them through)");
    }

    private IllegalArgumentException nonFinite(long index, float value, float normalized) {
        String where = index < inputs ? "input element " + index
                : "input row " + index / inputs + " element " + index % inputs;
        String what = Float.isFinite(value) ? where + " is " + value + ", which the model's normalisation (x·"
                + scale[(int) (index % inputs)] + " + " + shift[(int) (index % inputs)] + ") takes to " + normalized
                : where + " is " + value;
        return new IllegalArgumentException(what
                + " (non-finite inputs are rejected; Options.withNonFinite(PROPAGATE) lets them through)");
    }
}

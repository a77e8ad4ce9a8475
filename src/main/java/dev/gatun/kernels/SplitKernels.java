package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A training step's kernels split across a {@link StepPool}: a call becomes contiguous ranges of rows, elements or
 * columns, one per thread, each computed by the selected provider's range form, which gives the same bits there as a
 * whole call. So a split step equals an unsplit one bit for bit, whatever the thread count: element and column ranges
 * start on a multiple of {@link #ALIGNMENT}, where the whole call's vectors start; softmax cross-entropy keeps each
 * block of its loss sum whole ({@link KernelProvider.Softmax#rowBlock}) and adds the blocks' losses in order on the
 * calling thread, as the whole call does.
 *
 * <p>The kernel entry points ({@link ActivationKernels}, {@link SoftmaxKernels}, {@link DropoutKernels},
 * {@link BatchNormKernels}, {@link ReductionKernels#columnSums}, {@link ParameterUpdate}) split when a SplitKernels
 * is {@link #bind() bound} to the thread that calls them; a trainer binds its own for the run, so other threads (a
 * Predictor's) never split. A call stays on the calling thread when it is smaller than
 * {@code -Dgatun.step.split.min=ELEMENTS} per thread (default {@value #DEFAULT_MIN_ELEMENTS}), where the hand-off
 * would cost more than the other threads save, and when one of its tensors lives in a confined arena, whose memory
 * only its owner may touch: a model trained with step threads is built in {@code Arena.ofShared()}.
 * {@code -Dgatun.step.split=false} turns splitting off, for A/B runs.
 *
 * <p>Owns its pool ({@link #close()}); one reusable task per kind of kernel, so a split call allocates nothing.
 *
 * <p>A call that stays whole goes through its task as well ({@code pool.run(task, 1)}): the pool's call of
 * {@code task.run} sees several task classes, so C2 does not inline it, and each kernel is compiled inside its task's
 * small {@code run} rather than at the bottom of {@code Model.computeGradients}. Inlined there, a compilation can
 * pass C2's node cutoff before the kernel's last helper, which then stays a call and boxes a vector on every step.
 */
public final class SplitKernels implements AutoCloseable {
    /** {@code false} turns splitting off: trainers bind nothing and every kernel runs on the training thread. */
    public static final String SPLIT_PROPERTY = "gatun.step.split";
    /** Elements per thread below which a call is not split. */
    public static final String MIN_PROPERTY = "gatun.step.split.min";
    public static final long DEFAULT_MIN_ELEMENTS = 8192;
    /** Elements a range start is a multiple of: 64 bytes of float32, one cache line, one 512-bit vector. */
    public static final long ALIGNMENT = 16;

    private static final ThreadLocal<SplitKernels> BOUND = new ThreadLocal<>();
    private static final KernelProvider PROVIDER = KernelProvider.selected();

    private final StepPool pool;
    private final long minElements;
    private final BiasActivation biasActivation = new BiasActivation();
    private final Elementwise elementwise = new Elementwise();
    private final SoftmaxLoss softmaxLoss = new SoftmaxLoss();
    private final Columns columns = new Columns();
    private Thread boundTo;

    /** Splits over {@code threads} threads in all (the caller and {@code threads − 1} workers it starts). */
    public SplitKernels(int threads) {
        this(threads, Long.getLong(MIN_PROPERTY, DEFAULT_MIN_ELEMENTS));
    }

    /** As {@link #SplitKernels(int)}, splitting calls of at least {@code minElements} per thread. */
    public SplitKernels(int threads, long minElements) {
        if (minElements < 1) {
            throw new IllegalArgumentException("split kernels: -D" + MIN_PROPERTY + " must be >= 1 element, got "
                    + minElements);
        }
        this.minElements = minElements;
        this.pool = new StepPool(threads);
    }

    /** False when {@code -Dgatun.step.split=false}. */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(SPLIT_PROPERTY, "true").strip());
    }

    /** The instance bound to the calling thread, or null. */
    public static SplitKernels current() {
        return BOUND.get();
    }

    public int threads() {
        return pool.threads();
    }

    /** The pool, for work outside the kernels that splits the same way (the batch gather). */
    public StepPool pool() {
        return pool;
    }

    /**
     * Makes the kernel entry points on the calling thread split over this pool until the returned binding is
     * closed; that restores what was bound before. One thread at a time.
     */
    public Binding bind() {
        if (boundTo != null) {
            throw new IllegalStateException("split kernels are already bound to thread " + boundTo.getName());
        }
        boundTo = Thread.currentThread();
        SplitKernels previous = BOUND.get();
        BOUND.set(this);
        return new Binding(this, previous);
    }

    /**
     * Stops the kernels on the calling thread from splitting until {@link #resume}, and returns what was bound (or
     * null): for work that already keeps every core busy, such as data-parallel replicas run over this pool, where a
     * kernel splitting over the same pool would call it from inside its own call. Allocates nothing.
     */
    public static SplitKernels suspend() {
        SplitKernels bound = BOUND.get();
        if (bound != null) {
            BOUND.set(null);
        }
        return bound;
    }

    /** Binds again what {@link #suspend()} returned, on the same thread. */
    public static void resume(SplitKernels suspended) {
        if (suspended != null) {
            BOUND.set(suspended);
        }
    }

    /** Undoes one {@link #bind()}, on the thread that bound. */
    public static final class Binding implements AutoCloseable {
        private final SplitKernels bound;
        private final SplitKernels previous;

        private Binding(SplitKernels bound, SplitKernels previous) {
            this.bound = bound;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (bound.boundTo != null) {
                bound.boundTo = null;
                if (previous == null) {
                    BOUND.remove();
                } else {
                    BOUND.set(previous);
                }
            }
        }
    }

    /** Chunks for {@code elements} of work: one per thread, fewer when a share would fall below the minimum. */
    public int chunks(long elements) {
        return (int) Math.max(1, Math.min(pool.threads(), elements / minElements));
    }

    /** Start of range {@code c} of {@code chunks} over [0, n), on a multiple of {@link #ALIGNMENT}; n at the end. */
    static long boundary(long n, int c, int chunks) {
        return c >= chunks ? n : n * c / chunks / ALIGNMENT * ALIGNMENT;
    }

    /** Whether the workers can use every one of these tensors (null ones count as usable). */
    private boolean reach(Tensor a, Tensor b, Tensor c) {
        return (a == null || pool.reaches(a.segment())) && (b == null || pool.reaches(b.segment()))
                && (c == null || pool.reaches(c.segment()));
    }

    private boolean reach(Tensor a, Tensor b, Tensor c, Tensor d, Tensor e, Tensor f, Tensor g) {
        return reach(a, b, c) && reach(d, e, f) && (g == null || pool.reaches(g.segment()));
    }

    /** Whether the workers can use {@code segment}. */
    public boolean reaches(MemorySegment segment) {
        return pool.reaches(segment);
    }

    /** Runs {@code task} over {@code chunks} chunks on the pool (on the calling thread when 1). */
    public void run(StepPool.Chunks task, int chunks) {
        pool.run(task, chunks);
    }

    void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        BiasActivation t = biasActivation;
        t.chunks = reach(Z, b, A) ? (int) Math.min(chunks(Z.size()), Z.rows()) : 1;
        t.g = g;
        t.Z = Z;
        t.b = b;
        t.A = A;
        try {
            pool.run(t, t.chunks);
        } finally {
            t.clear();
        }
    }

    void activate(Activation g, Tensor Z, Tensor A) {
        elementwise(Elementwise.ACTIVATE, g, Z, A, null, 0, 0, Z.size());
    }

    void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        elementwise(Elementwise.ACTIVATION_BACKWARD, g, dA, A, dZ, 0, 0, dA.size());
    }

    void dropoutForward(Tensor A, double keepProb, long key, Tensor M, Tensor D) {
        elementwise(Elementwise.DROPOUT_FORWARD, null, A, M, D, keepProb, key, A.size());
    }

    void dropoutBackward(Tensor dD, Tensor M, Tensor dA) {
        elementwise(Elementwise.DROPOUT_BACKWARD, null, dD, M, dA, 0, 0, dD.size());
    }

    private void elementwise(int kind, Activation g, Tensor x, Tensor y, Tensor z, double keepProb, long key, long n) {
        Elementwise t = elementwise;
        t.kind = kind;
        t.g = g;
        t.x = x;
        t.y = y;
        t.z = z;
        t.keepProb = keepProb;
        t.key = key;
        t.n = n;
        t.chunks = reach(x, y, z) ? chunks(n) : 1;
        try {
            pool.run(t, t.chunks);
        } finally {
            t.clear();
        }
    }

    void columnSums(Tensor X, double scale, Tensor out) {
        columns(Columns.SUMS, X, out, null, null, null, null, null, scale);
    }

    void meanVariance(Tensor Z, Tensor mean, Tensor var) {
        columns(Columns.MEAN_VARIANCE, Z, mean, var, null, null, null, null, 0);
    }

    void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde) {
        columns(Columns.NORMALIZE, Z, mean, invStd, gamma, beta, Zhat, Ztilde, 0);
    }

    void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
        columns(Columns.BACKWARD_SUMS, G, Zhat, dgamma, dbeta, null, null, null, 0);
    }

    void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ) {
        columns(Columns.BACKWARD_INPUT, G, Zhat, gamma, invStd, dgamma, dbeta, dZ, 0);
    }

    /** A per-column kernel over ranges of whole blocks of {@link #ALIGNMENT} columns; X is the (rows, cols) operand. */
    private void columns(int kind, Tensor X, Tensor a, Tensor b, Tensor c, Tensor d, Tensor e, Tensor f, double scale) {
        Columns t = columns;
        long blocks = (X.cols() + ALIGNMENT - 1) / ALIGNMENT;
        t.kind = kind;
        t.X = X;
        t.a = a;
        t.b = b;
        t.c = c;
        t.d = d;
        t.e = e;
        t.f = f;
        t.scale = scale;
        t.chunks = reach(X, a, b, c, d, e, f) ? (int) Math.min(chunks(X.size()), blocks) : 1;
        try {
            pool.run(t, t.chunks);
        } finally {
            t.clear();
        }
    }

    double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
        KernelProvider.Softmax kernels = PROVIDER.softmax();
        long rows = Z.rows();
        long block = kernels.rowBlock(Z, dZ);
        long blocks = (rows + block - 1) / block;
        int chunks = reach(Z, dZ, null) && pool.reaches(labels) ? (int) Math.min(chunks(Z.size()), blocks) : 1;
        SoftmaxLoss t = softmaxLoss;
        t.Z = Z;
        t.labels = labels;
        t.dZ = dZ;
        t.block = block;
        t.blocks = blocks;
        t.chunks = chunks;
        if (t.losses.length < blocks) {
            t.losses = new double[(int) blocks];
        }
        try {
            pool.run(t, chunks);
        } finally {
            t.Z = null;
            t.labels = null;
            t.dZ = null;
        }
        double total = 0;
        for (int u = 0; u < blocks; u++) {
            total += t.losses[u];
        }
        return total;
    }

    /** Stops the pool's workers. */
    @Override
    public void close() {
        pool.close();
    }

    private static final class BiasActivation implements StepPool.Chunks {
        Activation g;
        Tensor Z;
        Tensor b;
        Tensor A;
        int chunks;

        @Override
        public void run(int c) {
            long rows = Z.rows();
            PROVIDER.activations().biasActivation(g, Z, b, A, rows * c / chunks, rows * (c + 1) / chunks);
        }

        void clear() {
            g = null;
            Z = b = A = null;
        }
    }

    /** The elementwise kernels over aligned element ranges: one task object, the kernel chosen by {@code kind}. */
    private static final class Elementwise implements StepPool.Chunks {
        static final int ACTIVATE = 0;
        static final int ACTIVATION_BACKWARD = 1;
        static final int DROPOUT_FORWARD = 2;
        static final int DROPOUT_BACKWARD = 3;

        int kind;
        Activation g;
        Tensor x;
        Tensor y;
        Tensor z;
        double keepProb;
        long key;
        long n;
        int chunks;

        @Override
        public void run(int c) {
            long from = boundary(n, c, chunks);
            long to = boundary(n, c + 1, chunks);
            if (from >= to) {
                return;
            }
            switch (kind) {
                case ACTIVATE -> PROVIDER.activations().activate(g, x, y, from, to);
                case ACTIVATION_BACKWARD -> PROVIDER.activations().activationBackward(g, x, y, z, from, to);
                case DROPOUT_FORWARD -> PROVIDER.dropout().forward(x, keepProb, key, y, z, from, to);
                case DROPOUT_BACKWARD -> PROVIDER.dropout().backward(x, y, z, from, to);
                default -> throw new IllegalStateException("unknown elementwise kernel " + kind);
            }
        }

        void clear() {
            g = null;
            x = y = z = null;
        }
    }

    /** The per-column kernels (column sums, batch norm's passes): each column is computed as on one thread. */
    private static final class Columns implements StepPool.Chunks {
        static final int SUMS = 0;
        static final int MEAN_VARIANCE = 1;
        static final int NORMALIZE = 2;
        static final int BACKWARD_SUMS = 3;
        static final int BACKWARD_INPUT = 4;

        int kind;
        Tensor X;
        Tensor a;
        Tensor b;
        Tensor c;
        Tensor d;
        Tensor e;
        Tensor f;
        double scale;
        int chunks;

        @Override
        public void run(int chunk) {
            long cols = X.cols();
            long blocks = (cols + ALIGNMENT - 1) / ALIGNMENT;
            long from = blocks * chunk / chunks * ALIGNMENT;
            long to = Math.min(cols, blocks * (chunk + 1) / chunks * ALIGNMENT);
            if (from >= to) {
                return;
            }
            KernelProvider.BatchNorm batchNorm = PROVIDER.batchNorm();
            switch (kind) {
                case SUMS -> PROVIDER.reductions().columnSums(X, scale, a, from, to);
                case MEAN_VARIANCE -> batchNorm.meanVariance(X, a, b, from, to);
                case NORMALIZE -> batchNorm.normalize(X, a, b, c, d, e, f, from, to);
                case BACKWARD_SUMS -> batchNorm.backwardSums(X, a, b, c, from, to);
                case BACKWARD_INPUT -> batchNorm.backwardInput(X, a, b, c, d, e, f, from, to);
                default -> throw new IllegalStateException("unknown column kernel " + kind);
            }
        }

        void clear() {
            X = a = b = c = d = e = f = null;
        }
    }

    /** Softmax cross-entropy over whole blocks of its loss sum, each block's loss kept for the in-order total. */
    private static final class SoftmaxLoss implements StepPool.Chunks {
        Tensor Z;
        MemorySegment labels;
        Tensor dZ;
        long block;
        long blocks;
        int chunks;
        double[] losses = new double[0];

        @Override
        public void run(int c) {
            KernelProvider.Softmax kernels = PROVIDER.softmax();
            long rows = Z.rows();
            for (long u = blocks * c / chunks; u < blocks * (c + 1) / chunks; u++) {
                losses[(int) u] = kernels.softmaxCrossEntropy(Z, labels, dZ, u * block, Math.min(rows, (u + 1) * block));
            }
        }
    }
}

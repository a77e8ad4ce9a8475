package dev.gatun.train;

import dev.gatun.kernels.RegularizationKernels;
import dev.gatun.kernels.SplitKernels;
import dev.gatun.kernels.StepPool;
import dev.gatun.nn.Model;
import dev.gatun.nn.SharedBatch;
import dev.gatun.nn.Targets;
import dev.gatun.nn.Workspace;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * One training step's gradients computed by several copies of the model at once, each over its share of the batch's
 * rows on a core of its own, with single-threaded sgemm: synchronous data parallelism inside one process. Replica 0 is
 * the trained model itself; the others read its weights, the same memory ({@link Model#replicaSharingWeights}), and
 * have gradients and activations of their own, each its share of the batch's mean gradient. After the passes, the
 * optimizer steps the model with the sum of the replicas' gradients, added as its update reads them
 * ({@link #step}); so a step computes what one pass over the whole batch would, up to the order of float sums, and a
 * run is the same bits for a given seed and thread count.
 *
 * <p>Why: the other way to use every core, OpenBLAS threads inside each sgemm plus step threads for the Java
 * kernels, hands the work from one set of threads to the other a dozen times per step, and while the Java kernels
 * run, OpenBLAS's idle thread spins for its next call on the core the step thread needs. Replicas hand off twice per
 * step (after the passes, after the update), and each core keeps its own rows' activations in its own cache. The cost:
 * one more set of gradients and activations per replica, and one more gradient for the optimizer to read.
 *
 * <p>Not for models with batch norm: its statistics are the whole batch's, which replicas would have to sum in the
 * middle of the pass; such models use the step threads ({@link #suits}).
 */
final class ReplicaSteps implements AutoCloseable {
    /** {@code false} keeps the step threads even where replicas suit the model: for A/B runs. */
    static final String PROPERTY = "gatun.step.replicas";
    /** Fewer rows per replica, and a step's hand-offs and smaller sgemm calls cost more than the extra core brings. */
    static final int MIN_ROWS_PER_REPLICA = 32;

    private final Model model;
    private final Model[] replicas;
    private final Workspace[] workspaces;
    private final StepPool pool;
    private final Shares[] cache = new Shares[4];
    private final double[] losses;
    /** Range c of each replica's gradient of each parameter, the sum's chunk c: [replica][parameter][chunk]. */
    private final Tensor[][][] gradRanges;
    private final Pass pass = new Pass();
    /** Replicas 2.. into replica 1: with more than two, their gradients reach the optimizer as one. */
    private final Sum sumRest;
    /** Replica 1's (by then the sum over replicas 1..) into the model's own. */
    private final Sum sumAll;
    private Shares current;
    private final GradientClaim claim;
    /** Each replica's gradients, [replica][parameter]: zeroed by index, so the workers allocate no iterator. */
    private final Tensor[][] grads;
    /** Whether this step's passes zero their gradients first, and when the step started: for {@link #claim}. */
    private boolean claiming;
    private long stepStarted;
    /** Whether the model's gradients already hold the whole batch's ({@link #gatherGradients}). */
    private boolean gathered;

    /** Whether replicas suit this model and batch with {@code threads} cores. */
    static boolean suits(Model model, int threads, int batch) {
        if (threads < 2 || "false".equals(System.getProperty(PROPERTY)) || batch < threads * MIN_ROWS_PER_REPLICA) {
            return false;
        }
        return model.sharesWeightsSafely();
    }

    /**
     * {@code threads} replicas of {@code model} (itself and {@code threads − 1} copies built in {@code arena}, which
     * must be shared, as the model's must) for batches of up to {@code maxBatch} rows, run by {@code pool}.
     */
    ReplicaSteps(Model model, int threads, int maxBatch, Arena arena, StepPool pool) {
        this(model, threads, maxBatch, arena, pool, new GradientClaim());
    }

    /** As above, the gradients' zeroing decided by {@code claim} (tests fix it both ways). */
    ReplicaSteps(Model model, int threads, int maxBatch, Arena arena, StepPool pool, GradientClaim claim) {
        this.claim = claim;
        if (pool.threads() != threads) {
            throw new IllegalArgumentException("replica steps: a pool of " + pool.threads() + " threads for " + threads
                    + " replicas");
        }
        this.model = model;
        this.pool = pool;
        this.replicas = new Model[threads];
        this.workspaces = new Workspace[threads];
        this.losses = new double[threads];
        int maxShare = (maxBatch + threads - 1) / threads;
        replicas[0] = model;
        for (int r = 1; r < threads; r++) {
            replicas[r] = model.replicaSharingWeights(arena);
        }
        for (int r = 0; r < threads; r++) {
            workspaces[r] = replicas[r].newWorkspace(maxShare);
        }
        sumRest = new Sum(1, 2, threads);
        sumAll = new Sum(0, 1, 2);
        int parameters = model.parameters().size();
        gradRanges = new Tensor[threads][parameters][threads];
        grads = new Tensor[threads][parameters];
        for (int r = 0; r < threads; r++) {
            for (int p = 0; p < parameters; p++) {
                Tensor g = replicas[r].parameters().get(p).grad();
                grads[r][p] = g;
                long size = g.size();
                for (int c = 0; c < threads; c++) {
                    long lo = size * c / threads;
                    long hi = size * (c + 1) / threads;
                    gradRanges[r][p][c] = hi > lo ? g.reshape(size, 1).rowSlice(lo, hi).reshape(hi - lo) : null;
                }
            }
        }
    }

    /**
     * The step's gradients for batch {@code X}, {@code y}, with the regularization term scaled by
     * {@code penaltyRows}, advancing the model's step counter as {@link Model#computeGradients} does; returns the cost. The gradients stay split between the model
     * and replica 1 until {@link #step} adds them inside the optimizer's pass (or {@link #gatherGradients} into the
     * model's).
     */
    double computeGradients(Tensor X, Targets y, long penaltyRows) {
        stepStarted = System.nanoTime();
        claiming = claim.claim();
        current = sharesFor(X, y);
        gathered = false;
        SplitKernels split = SplitKernels.suspend();
        try {
            pool.run(pass, replicas.length);
            if (replicas.length > 2) {
                pool.run(sumRest, replicas.length);
            }
        } finally {
            SplitKernels.resume(split);
        }
        double lossSum = 0;
        for (double loss : losses) {
            lossSum += loss;
        }
        return lossSum / X.rows() + model.finishStep(penaltyRows);
    }

    /**
     * Steps {@code optimizer} over the model with the batch's gradient, the model's and replica 1's summed as the
     * update reads them (one pass over the gradients fewer than summing first). Returns what
     * {@link Optimizer#step(List)} does: the first parameter gone non-finite, or −1.
     */
    int step(Optimizer optimizer) {
        int nonFinite = optimizer.step(model.parameters(), gathered ? null : replicas[1].parameters());
        claim.stepTook(System.nanoTime() - stepStarted);
        return nonFinite;
    }

    /** Sums the step's gradients into the model's, for callers that read them there. */
    void gatherGradients() {
        if (gathered) {
            return;
        }
        SplitKernels split = SplitKernels.suspend();
        try {
            pool.run(sumAll, replicas.length);
        } finally {
            SplitKernels.resume(split);
        }
        gathered = true;
    }

    /** One replica's pass over its rows, first zeroing its gradients when {@link GradientClaim} says so. */
    private final class Pass implements StepPool.Chunks {
        @Override
        public void run(int r) {
            Model replica = replicas[r];
            if (r > 0) {
                replica.setStep(model.step());
            }
            if (claiming) {
                for (Tensor g : grads[r]) {
                    g.zero();
                }
            }
            losses[r] = replica.computeDataGradients(current.X[r], current.y[r], current.batch[r], workspaces[r]);
        }
    }

    /**
     * Chunk c adds range c of every parameter's gradient of replicas {@code from} to {@code to − 1} to replica
     * {@code into}'s. Each replica's gradient is its share of the batch's mean
     * ({@link Model#computeDataGradients(Tensor, Targets, SharedBatch, Workspace)}), so the sum over all of them is
     * the whole batch's mean.
     */
    private final class Sum implements StepPool.Chunks {
        private final int into;
        private final int from;
        private final int to;

        Sum(int into, int from, int to) {
            this.into = into;
            this.from = from;
            this.to = to;
        }

        @Override
        public void run(int c) {
            for (int p = 0; p < gradRanges[into].length; p++) {
                Tensor target = gradRanges[into][p][c];
                if (target == null) {
                    continue;
                }
                for (int r = from; r < to; r++) {
                    RegularizationKernels.addScaled(target, gradRanges[r][p][c], 1);
                }
            }
        }
    }

    private Shares sharesFor(Tensor X, Targets y) {
        for (Shares s : cache) {
            if (s != null && s.forX == X && s.forY == y) {
                return s;
            }
        }
        Shares made = new Shares(X, y);
        System.arraycopy(cache, 0, cache, 1, cache.length - 1);
        cache[0] = made;
        return made;
    }

    /**
     * A batch tensor's row shares and their views, made once per batch buffer: a loader reuses its buffers, so steps
     * after the first allocate nothing. A share of no rows (a last batch smaller than the replicas) has no views.
     */
    private final class Shares {
        final Tensor forX;
        final Targets forY;
        final Tensor[] X;
        final Targets[] y;
        final SharedBatch[] batch;

        Shares(Tensor X, Targets y) {
            this.forX = X;
            this.forY = y;
            int n = replicas.length;
            long rows = X.rows();
            this.X = new Tensor[n];
            this.y = new Targets[n];
            this.batch = new SharedBatch[n];
            for (int r = 0; r < n; r++) {
                long from = rows * r / n;
                long to = rows * (r + 1) / n;
                this.X[r] = to > from ? X.rowSlice(from, to) : null;
                this.y[r] = to > from ? slice(y, from, to) : null;
                this.batch[r] = new Rows(rows, from);
            }
        }
    }

    private static Targets slice(Targets y, long from, long to) {
        return switch (y) {
            case Targets.Labels labels -> new Targets.Labels(labels.segment().asSlice(from * Integer.BYTES,
                    (to - from) * Integer.BYTES));
            case Targets.Dense dense -> new Targets.Dense(dense.values().rowSlice(from, to));
        };
    }

    /** A replica's rows of the batch: ids are positions in the whole batch; no batch norm to sum. */
    private record Rows(long rows, long start) implements SharedBatch {
        @Override
        public long rowId(int i) {
            return start + i;
        }

        @Override
        public void sumOverReplicas(Tensor values) {
            throw new UnsupportedOperationException("replica steps do not run models with batch norm");
        }
    }

    /**
     * Frees the copies' workspaces (their weights live in the arena given at construction) and replica 0's, which the
     * caller's model holds until it is closed: a model trained again and again would keep one per run.
     */
    @Override
    public void close() {
        workspaces[0].close();
        for (int r = 1; r < replicas.length; r++) {
            replicas[r].close();
        }
    }
}

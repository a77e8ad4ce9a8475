package dev.gatun.train;

import dev.gatun.data.Augmentation;
import dev.gatun.data.Batch;
import dev.gatun.data.BatchOptions;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.kernels.SplitKernels;
import dev.gatun.kernels.StepPool;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Model;
import dev.gatun.blas.Blas;
import dev.gatun.nn.Parameter;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * Mini-batch training of a float32 model: epochs over shuffled batches (batch gradient descent when the batch is
 * the whole set, SGD when it is 1), the learning rate from a schedule, the dev set evaluated after every epoch, a
 * {@link History}, progress through a {@link TrainingListener}; early stopping on the dev loss with the best
 * weights restored; and explosion detection that stops at the first non-finite loss or parameter, or a loss above
 * a multiple of the first one, instead of training on garbage.
 *
 * <p>Each epoch reports the training cost as optimised (the running mean of the batch costs, with the
 * regularization term and, in TRAIN mode, dropout) and the training accuracy measured in INFERENCE mode on a
 * fixed stratified sample of the training set ({@link Builder#trainEvaluationSize}), so that train and dev errors
 * compare like for like (a gap between them reads as variance, a high train error as bias). Samples/s counts the training steps only.
 *
 * <p>Determinism: the same model seed, data, batch seed and thread counts give a bitwise-identical history
 * (timings aside) and final weights. The steps allocate nothing on the Java heap once the first batch has run.
 *
 * <p>Threads: the run uses {@code stepThreads} cores (by default the BLAS library's thread count, fewer when the
 * batch has under {@value ReplicaSteps#MIN_ROWS_PER_REPLICA} rows per core), the training thread and
 * {@code stepThreads − 1} workers that the run starts and stops. A model of dense and dropout layers runs each step on
 * that many {@link ReplicaSteps replicas}, each over its share of the rows with single-threaded BLAS (the library's
 * process-wide thread count is set for the run and restored after it); results then depend on the thread count, as
 * the gradients' sums do. Other models split each kernel over the threads ({@code SplitKernels} bound to the
 * training thread), with the same bits for any count. The workers can only use memory of shared arenas: build the
 * model in {@code Arena.ofShared()}; parameters in a confined arena keep the whole step on the training thread.
 *
 * <p>Owns the snapshot of the best weights (early stopping); {@link #close()} frees it. The model, optimizer and
 * data stay the caller's.
 */
public final class Trainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingConfig config;
    private final Model model;
    private final Optimizer optimizer;
    private final DataSet train;
    private final History history;
    private final LossWatch lossWatch = new LossWatch();
    /** Early stopping's best weights: shared, as run() and close() may come from threads other than the builder's. */
    private final Arena arena = Arena.ofShared();
    private Model best;
    private int bestEpoch;
    private double bestDevLoss = Double.POSITIVE_INFINITY;
    private boolean ran;
    private double warmUpSeconds;
    /** The run's replicas, when they suit the model ({@link ReplicaSteps#suits}); null otherwise. */
    private ReplicaSteps replicas;
    private int replicaCount = 1;
    /** The BLAS thread count the caller had, and the one the run's steps use. */
    private int callerBlasThreads;
    private int stepBlasThreads;
    private volatile boolean stopRequested;
    private volatile boolean running;
    /** Guarded by this: set once by close(), after which run() refuses. */
    private boolean closed;

    private Trainer(Model model, Optimizer optimizer, DataSet train, TrainingConfig config, History resumed,
                    Model resumedBest) {
        this.config = config;
        this.model = model;
        this.optimizer = optimizer;
        this.train = train;
        this.history = resumed != null ? resumed : new History();
        if (!Double.isNaN(history.startingLoss())) {
            // A history from before the smoothed loss was kept goes on from its last epoch's mean batch loss.
            double smoothed = !Double.isNaN(history.smoothedLoss()) ? history.smoothedLoss()
                    : history.isEmpty() ? Double.NaN : history.last().trainLoss();
            lossWatch.resume(history.startingLoss(), smoothed);
        }
        try {
            if (resumedBest != null) {
                EpochStats lowest = history.lowestDevLoss();
                if (lowest != null) {
                    bestDevLoss = lowest.devLoss();
                    bestEpoch = lowest.epoch();
                }
                snapshot().copyFrom(resumedBest);
            } else if (!history.isEmpty()) {
                // Without the best weights the model holds the last epoch's, the only ones this run can go back to:
                // counting from an earlier best would report that epoch while keeping another's weights.
                EpochStats last = history.last();
                bestEpoch = last.epoch();
                if (config.dev() != null && config.patience() > 0 && last.devLoss() < bestDevLoss) {
                    bestDevLoss = last.devLoss();
                    snapshot().copyFrom(model);
                }
            }
        } catch (RuntimeException | Error e) {
            arena.close();   // the snapshot allocated before copyFrom refused best weights of another shape
            throw e;
        }
    }

    public static Builder builder(Model model, Optimizer optimizer, DataSet train) {
        return new Builder(model, optimizer, train);
    }

    public History history() {
        return history;
    }

    /**
     * The epoch with the lowest dev loss so far among those whose weights this run holds or can restore (0 before any
     * epoch with a dev set); a history resumed without its best weights counts from its last epoch.
     */
    public int bestEpoch() {
        return bestEpoch;
    }

    /**
     * The weights of {@link #bestEpoch()} while early stopping is on and the run has passed that epoch, else null:
     * what a checkpoint stores so a resumed run can still restore them.
     */
    public Model bestWeights() {
        return best;
    }

    /**
     * Asks a running {@link #run()} to stop after the current step, or at the end of the epoch when asked during its
     * evaluation or from {@link TrainingListener#epochFinished} (from a listener, or another thread such as a Ctrl-C
     * hook); it returns {@link TrainingResult.Outcome#STOPPED} with the epochs finished so far.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Seconds {@link #run()} spent stepping a small model before the first epoch so that the JIT compiles the step's
     * code ({@link Builder#warmUp}); 0 when it did not. Epoch times leave it out: add it to the first epoch's to
     * compare start-up costs.
     */
    public double warmUpSeconds() {
        return warmUpSeconds;
    }

    /** Copies of the model that computed each step's gradients in parallel ({@link ReplicaSteps}); 1 when none. */
    public int replicaCount() {
        return replicaCount;
    }

    /**
     * Batch norm estimates each feature's variance from the batch: over one row it is 0, every output becomes β, no
     * gradient reaches the layers below, and the running variance decays towards 0, so inference later divides by
     * √ε (a test loss of 141 against a training loss of 0.68 in a review's probe). A batch size of 1 is refused; a
     * last partial batch of one row is left out of each epoch (shuffled, a different row each epoch).
     */
    private BatchOptions batchNormReady(BatchOptions batching) {
        if (model.spec().hidden().stream().noneMatch(LayerSpec::batchNorm)) {
            return batching;
        }
        if (batching.batchSize() < 2) {
            throw new IllegalArgumentException("batch norm needs at least 2 rows per batch to estimate a variance,"
                    + " got batches of 1" + (train.size() < 2 ? " (the training data holds " + train.size() + " row)"
                    : "") + "; use a batch size of 2 or more");
        }
        if (!batching.dropLast() && train.size() % batching.batchSize() == 1) {
            LOG.info("batch norm: each epoch's last batch would hold one row ({} rows in batches of {}); it is left out"
                    + "{}", train.size(), batching.batchSize(), batching.shuffle() ? "" : " (unshuffled: always the same row)");
            return batching.withDropLast(true);
        }
        return batching;
    }

    /**
     * Runs the remaining epochs (all of them, or those after a resumed history); once per trainer, from any thread.
     * {@link #close()} waits for its end: it refuses while this runs.
     */
    public TrainingResult run() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the trainer is closed");
            }
            if (ran) {
                throw new IllegalStateException("a trainer runs once; build another for another run");
            }
            ran = true;
            running = true;
        }
        int callerThreads;
        try {
            callerThreads = CallerBlasThreads.enter();
        } catch (RuntimeException | Error e) {   // no usable BLAS: the trainer must still close
            running = false;
            throw e;
        }
        try {
            return runEpochs(callerThreads);
        } catch (IllegalStateException e) {
            if (optimizer.isClosed()) {
                // Closed by another thread mid-step, its state's memory fails with the JDK's bare "Already closed".
                throw new IllegalStateException("the optimizer was closed while the trainer ran; close it after run()"
                        + " returns (" + e.getMessage() + ")", e);
            }
            throw e;
        } finally {
            CallerBlasThreads.exit();
            running = false;
        }
    }

    private TrainingResult runEpochs(int callerThreads) {
        int startEpoch = history.size();
        int evaluated = config.trainEvaluationSize();
        DataSet trainSample = evaluated > 0 && evaluated < train.size()
                ? train.stratified(evaluated, config.batches().seed())
                : train;
        BatchOptions batching = batchNormReady(config.batches().withBatchSize(
                Math.min(config.batches().batchSize(), train.size())));
        // The library's count, within a step pool's bound: an environment-set count past it would fail the pool.
        int stepThreads = config.stepThreads() > 0 ? config.stepThreads()
                : Math.clamp(callerThreads, 1, StepPool.MAX_THREADS);
        // A core given fewer rows than replicas need loses more to the step's hand-offs than it brings: the default
        // thread count then shrinks to the cores the batch can feed, one core for small batches (an explicit
        // Builder.stepThreads stays as asked).
        boolean fewerCores = config.stepThreads() == 0 && stepThreads > 1
                && batching.batchSize() < stepThreads * ReplicaSteps.MIN_ROWS_PER_REPLICA;
        if (fewerCores) {
            stepThreads = Math.max(1, batching.batchSize() / ReplicaSteps.MIN_ROWS_PER_REPLICA);
        }
        LOG.info("training {} on {} samples, batch {}, epochs {}..{}, {}, {}, step threads {}{}", model.spec().widths(),
                train.size(), batching.batchSize(), startEpoch + 1, config.epochs(), optimizer, config.schedule(),
                stepThreads, SplitKernels.enabled() ? "" : " (split off: -D" + SplitKernels.SPLIT_PROPERTY
                        + "=false)");
        try (Batches batches = Batches.over(train, batching).normalization(config.normalization())
                .firstEpoch(startEpoch).build();
             Evaluator trainEvaluator = new Evaluator(trainSample, config.normalization(), config.evaluationBatch());
             Evaluator devEvaluator = config.dev() == null ? null
                     : new Evaluator(config.dev(), config.normalization(), config.evaluationBatch());
             SplitKernels split = stepThreads > 1 && SplitKernels.enabled() ? new SplitKernels(stepThreads) : null;
             SplitKernels.Binding _ = split == null ? null : split.bind();
             Arena replicaArena = Arena.ofShared();
             ReplicaSteps replicas = split != null && split.reaches(model.parameters().getFirst().value().segment())
                     && ReplicaSteps.suits(model, stepThreads, batching.batchSize())
                     ? new ReplicaSteps(model, stepThreads, batching.batchSize(), replicaArena, split.pool()) : null) {
            this.replicas = replicas;
            replicaCount = replicas == null ? 1 : stepThreads;
            if (replicas != null) {
                LOG.info("each step runs on {} replicas of the model, one per core, over their shares of the batch's"
                        + " rows (-D{}=false: the split step)", stepThreads, ReplicaSteps.PROPERTY);
            }
            if (split != null && !split.reaches(model.parameters().getFirst().value().segment())) {
                LOG.warn("the model's parameters live in a confined arena, which only its owner thread may touch: the"
                        + " steps run on the training thread alone; build the model in Arena.ofShared() to use the {}"
                        + " step threads", stepThreads);
            }
            // Each replica's sgemm runs on its own core; with fewer cores than the library has, the step uses that many.
            // Evaluations keep the caller's count, so that they give the bits an evaluation after the run gives.
            callerBlasThreads = callerThreads;
            stepBlasThreads = replicas != null ? 1 : fewerCores ? stepThreads : callerBlasThreads;
            libraryThreads(stepBlasThreads);
            // A library without a thread call keeps its count (and warned once): do not ask again every epoch.
            stepBlasThreads = Blas.threads();
            try {
                if (config.warmUp()) {
                    long started = System.nanoTime();
                    long plannedSteps = (long) (config.epochs() - startEpoch) * batches.batchesPerEpoch();
                    if (StepWarmUp.onceFor(model, optimizer, plannedSteps, batching.batchSize(),
                            replicas == null ? null : split.pool())) {
                        warmUpSeconds = seconds(started);
                        LOG.debug("JIT warm-up: {} steps of a model shaped like this one in {} s", StepWarmUp.STEPS,
                                warmUpSeconds);
                    }
                }
                return epochs(batches, trainEvaluator, devEvaluator, startEpoch);
            } finally {
                libraryThreads(callerBlasThreads);
                this.replicas = null;
            }
        }
    }

    private TrainingResult epochs(Batches batches, Evaluator trainEvaluator, Evaluator devEvaluator, int startEpoch) {
        TrainingListener listener = config.listener();
        long stepsBefore = optimizer.stepCount();
        if (patienceRanOut(startEpoch)) {
            // A run resumed after its last planned epoch had already gone `patience` epochs without a better dev
            // loss: the check skipped that last epoch, and one run of the larger epoch count would have stopped there.
            LOG.info("early stopping at once: the resumed run's dev loss has not improved on epoch {}'s {} for {}"
                    + " epochs", bestEpoch, bestDevLoss, startEpoch - bestEpoch);
            restoreBest();
            return new TrainingResult(TrainingResult.Outcome.EARLY_STOPPED, history, bestEpoch, 0, null);
        }
        for (int epoch = startEpoch + 1; epoch <= config.epochs(); epoch++) {
            int n = batches.batchesPerEpoch();
            listener.epochStarted(epoch, config.epochs(), n);
            long start = System.nanoTime();
            double costSum = 0;
            long samples = 0;
            double rate = Double.NaN;
            for (int k = 1; k <= n; k++) {
                long step = optimizer.stepCount() + 1;
                rate = config.schedule().rate(epoch, step);
                optimizer.setLearningRate(rate);
                Batch batch = batches.next();
                // The penalty per the batch size, not this batch's rows: see Model.computeGradients.
                long penaltyRows = Math.max(batch.size(), batches.batchSize());
                double cost = replicas != null
                        ? replicas.computeGradients(batch.X(), batch.targetsFor(model), penaltyRows)
                        : model.computeGradients(batch.X(), batch.targetsFor(model), penaltyRows);
                Explosion explosion = lossExplosion(cost, step, epoch, k, rate);
                if (explosion == null) {
                    int nonFinite = replicas != null ? replicas.step(optimizer) : optimizer.step(model.parameters());
                    if (nonFinite >= 0) {
                        explosion = parameterExplosion(model.parameters().get(nonFinite), cost, step, epoch, k, rate);
                    }
                }
                if (explosion != null) {
                    LOG.warn(explosion.message());
                    return new TrainingResult(TrainingResult.Outcome.EXPLODED, history, bestEpoch,
                            optimizer.stepCount() - stepsBefore, explosion);
                }
                costSum += cost * batch.size();
                samples += batch.size();
                listener.batchFinished(epoch, k, n, costSum / samples, samples / seconds(start));
                if (stopRequested) {
                    LOG.info("training stopped on request in epoch {} after batch {} of {}", epoch, k, n);
                    return new TrainingResult(TrainingResult.Outcome.STOPPED, history, bestEpoch,
                            optimizer.stepCount() - stepsBefore, null);
                }
            }
            double trainSeconds = seconds(start);
            libraryThreads(callerBlasThreads);
            Evaluation train = trainEvaluator.evaluate(model);
            Evaluation dev = devEvaluator == null ? null : devEvaluator.evaluate(model);
            libraryThreads(stepBlasThreads);
            EpochStats stats = new EpochStats(epoch, costSum / samples, train.accuracy(),
                    dev == null ? Double.NaN : dev.loss(), dev == null ? Double.NaN : dev.accuracy(), rate,
                    samples / trainSeconds, seconds(start));
            if (!Double.isNaN(lossWatch.reference())) {
                history.smoothedLoss(lossWatch.smoothed());
            }
            history.add(stats);
            LOG.debug("epoch {}: {}", epoch, stats);
            if (dev != null && config.patience() > 0) {
                if (dev.loss() < bestDevLoss) {
                    bestDevLoss = dev.loss();
                    bestEpoch = epoch;
                    snapshot().copyFrom(model);
                }
            } else {
                bestEpoch = epoch;
            }
            listener.epochFinished(stats);
            if (patienceRanOut(epoch) && epoch < config.epochs()) {
                LOG.info("early stopping after epoch {}: dev loss has not improved on epoch {}'s {} for {} epochs", epoch,
                        bestEpoch, bestDevLoss, config.patience());
                restoreBest();
                return new TrainingResult(TrainingResult.Outcome.EARLY_STOPPED, history, bestEpoch,
                        optimizer.stepCount() - stepsBefore, null);
            }
            // A stop asked for during the epoch's evaluation or by epochFinished ends the run here: one more step
            // would leave the model a step past the epoch its history and its caller measured.
            if (stopRequested && epoch < config.epochs()) {
                LOG.info("training stopped on request after epoch {}", epoch);
                return new TrainingResult(TrainingResult.Outcome.STOPPED, history, bestEpoch,
                        optimizer.stepCount() - stepsBefore, null);
            }
        }
        if (config.dev() != null && config.patience() > 0) {
            restoreBest();
        }
        return new TrainingResult(TrainingResult.Outcome.COMPLETED, history, bestEpoch,
                optimizer.stepCount() - stepsBefore, null);
    }

    /** Whether early stopping is on and {@code epoch} is {@code patience} epochs past the best dev loss. */
    private boolean patienceRanOut(int epoch) {
        return config.dev() != null && config.patience() > 0 && epoch > 0 && epoch - bestEpoch >= config.patience();
    }

    /** Sets the BLAS library's (process-wide) thread count, when it is not that already. */
    private static void libraryThreads(int threads) {
        if (Blas.threads() != threads) {
            Blas.setThreads(threads);
        }
    }

    private Model snapshot() {
        if (best == null) {
            best = Model.build(model.spec(), model.dtype(), arena);
        }
        return best;
    }

    private void restoreBest() {
        if (best != null && bestEpoch != history.last().epoch()) {
            // The weights go back, the step count does not: it numbers dropout's masks, and training on from here
            // (with the optimizer's count still at the last step) must not replay masks already used.
            long steps = model.step();
            model.copyFrom(best);
            model.setStep(steps);
        }
    }

    private Explosion lossExplosion(double cost, long step, int epoch, int batch, double rate) {
        if (!Double.isFinite(cost)) {
            return new Explosion(step, epoch, batch, rate, cost, Double.NaN, "loss", "the loss is " + cost);
        }
        boolean exceeds = config.explosionFactor() > 0 && lossWatch.exceeds(cost, config.explosionFactor());
        if (Double.isNaN(history.startingLoss()) && !Double.isNaN(lossWatch.reference())) {
            history.startingLoss(lossWatch.reference());
        }
        if (exceeds) {
            return new Explosion(step, epoch, batch, rate, cost, lossWatch.limit(config.explosionFactor()), "loss",
                    String.format(java.util.Locale.ROOT, "the smoothed loss %.4g exceeds %.3g x the first loss %.4g",
                            lossWatch.smoothed(), config.explosionFactor(), lossWatch.reference()));
        }
        return null;
    }

    /**
     * The optimizer found a NaN or ±∞ in {@code p} in its update pass, or in its average of squared gradients
     * (Adam, RMSprop); this names the first one.
     */
    private static Explosion parameterExplosion(Parameter p, double cost, long step, int epoch, int batch, double rate) {
        return new Explosion(step, epoch, batch, rate, cost, Double.NaN, p.name(),
                "parameter " + p.name() + " " + p.value().shapeString() + " " + firstNonFinite(p));
    }

    private static String firstNonFinite(Parameter p) {
        for (long k = 0; k < p.value().size(); k++) {
            double v = p.value().get(k);
            if (!Double.isFinite(v)) {
                return "holds " + v + " at flat index " + k;
            }
        }
        // W finite: Adam's or RMSprop's average of squared gradients overflowed, which would have frozen it.
        return "is finite, but its optimizer state overflowed: a gradient too large for its square to be a "
                + p.value().dtype() + " (1.8e19 or more in float32) would have made every later step of these weights 0";
    }

    private static double seconds(long startNanos) {
        return Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    }

    /** Frees the trainer's own memory (early stopping's best weights); idempotent. Refused while {@link #run()} runs. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running) {
                // Closing the best weights under the run would fail it with a message about a closed model.
                throw new IllegalStateException("the trainer is running in another thread: requestStop() and wait for"
                        + " run() to return before closing it");
            }
            closed = true;
        }
        if (best != null) {
            best.close();
        }
        arena.close();
    }

    /**
     * Options for a {@link Trainer}; every one but the model, optimizer and training set has a default.
     * {@link #build()} checks them and hands the trainer an immutable {@link TrainingConfig}.
     */
    public static final class Builder {
        private final Model model;
        private final Optimizer optimizer;
        private final DataSet train;
        private DataSet dev;
        private Normalization normalization;
        private BatchOptions batches = BatchOptions.of(128);
        private int epochs = 10;
        private LearningRateSchedule schedule;
        private int patience;
        private double explosionFactor = 3.0;
        private int trainEvaluationSize = 10_000;
        private int evaluationBatch = Evaluator.DEFAULT_BATCH;
        private TrainingListener listener = TrainingListener.NONE;
        private int stepThreads;
        private boolean warmUp = StepWarmUp.onByDefault();
        private History history;
        private Model resumedBest;

        private Builder(Model model, Optimizer optimizer, DataSet train) {
            if (model == null || optimizer == null || train == null) {
                throw new IllegalArgumentException("a trainer needs a model, an optimizer and a training set; got " + model
                        + ", " + optimizer + ", " + train);
            }
            this.model = model;
            this.optimizer = optimizer;
            this.train = train;
        }

        /** The dev set evaluated after every epoch (none by default: then early stopping is off). */
        public Builder dev(DataSet dev) {
            this.dev = dev;
            return this;
        }

        /** Fitted on the training split only and reused unchanged for dev (default: scale to [0, 1]). */
        public Builder normalization(Normalization normalization) {
            this.normalization = normalization;
            return this;
        }

        /** How the training set is cut into batches, all at once (default: {@code BatchOptions.of(128)}). */
        public Builder batches(BatchOptions options) {
            this.batches = Objects.requireNonNull(options, "batch options");
            return this;
        }

        /** Default 128; see {@link BatchOptions#batchSize()}. */
        public Builder batchSize(int batchSize) {
            this.batches = batches.withBatchSize(batchSize);
            return this;
        }

        /** Total epochs of the run, counting those of a resumed history. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Seeds the per-epoch permutations (the model's initialisation has its own seed in its spec). */
        public Builder seed(long seed) {
            this.batches = batches.withSeed(seed);
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.batches = batches.withShuffle(shuffle);
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            this.batches = batches.withDropLast(dropLast);
            return this;
        }

        public Builder prefetch(boolean prefetch) {
            this.batches = batches.withPrefetch(prefetch);
            return this;
        }

        public Builder augmentation(Augmentation augmentation) {
            this.batches = batches.withAugmentation(augmentation);
            return this;
        }

        /** Default: constant at the optimizer's learning rate. */
        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** Stop when the dev loss has not improved for {@code patience} epochs and restore the best weights; 0 = off. */
        public Builder earlyStopping(int patience) {
            this.patience = patience;
            return this;
        }

        /**
         * Stop when the smoothed loss exceeds this multiple of the starting loss (default 3; see {@link LossWatch});
         * 0 keeps only the NaN/Inf checks.
         */
        public Builder explosionFactor(double factor) {
            this.explosionFactor = factor;
            return this;
        }

        /** Training samples evaluated in INFERENCE mode for the per-epoch training accuracy; 0 = all. */
        public Builder trainEvaluationSize(int samples) {
            this.trainEvaluationSize = samples;
            return this;
        }

        public Builder evaluationBatch(int rows) {
            this.evaluationBatch = rows;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Threads that share each step's own work (bias and activation, softmax cross-entropy, the backward
         * elementwise kernels, dropout, the optimizer's update): the training thread and {@code threads − 1} workers
         * started for the run. Default: the BLAS library's thread count, so the step's Java work uses the cores
         * sgemm uses. A model the kernels are split for (batch norm) gives the same bits for any count; a model of
         * dense and dropout layers steps on that many replicas, whose gradient sums, and so results, depend on the
         * count (see the class comment). {@code -Dgatun.step.split=false} keeps every kernel on the training thread.
         */
        public Builder stepThreads(int threads) {
            if (threads < 1 || threads > StepPool.MAX_THREADS) {
                // Refused here: Integer.MAX_VALUE would run out of heap sizing the pool, 100,000 start that many.
                throw new IllegalArgumentException("step threads must be 1 to " + StepPool.MAX_THREADS + ", got "
                        + threads);
            }
            this.stepThreads = threads;
            return this;
        }

        /**
         * Whether the first run in this JVM that is large enough for it (at least 200 times the warm-up's arithmetic)
         * first trains a small model shaped like this one for a few hundred steps on made-up data, so that the JIT
         * has compiled the step's kernels before the first epoch (default: yes). It touches neither the model, nor
         * the optimizer, nor any random stream: results are the same bits either way. It costs a fraction of a
         * second and saves more than it costs in the first epoch of a large run ({@link #warmUpSeconds} reports
         * it). {@code -Dgatun.warmUp=false} changes the default; {@code -Dgatun.warmUp=always} warms up a first run
         * of any size.
         */
        public Builder warmUp(boolean warmUp) {
            this.warmUp = warmUp;
            return this;
        }

        /**
         * Resumes after the epochs of {@code history} (a checkpoint's), appending to it. The model is taken to hold
         * the last epoch's weights; without early stopping's best weights ({@link #resume(History, Model)}) that is
         * the best epoch early stopping counts from and can go back to.
         */
        public Builder resume(History history) {
            this.history = history;
            return this;
        }

        /**
         * Resumes as {@link #resume(History)}, with early stopping's best weights so far (copied; null when the
         * checkpoint has none), so that a resumed run restores the same weights an uninterrupted one would.
         */
        public Builder resume(History history, Model bestWeights) {
            this.history = history;
            this.resumedBest = bestWeights;
            return this;
        }

        public Trainer build() {
            if (model.dtype() != DType.F32) {
                throw new IllegalArgumentException("training runs in float32 (the loader's batches); the model is "
                        + model.dtype());
            }
            checkData("training set", train);
            if (dev != null) {
                checkData("dev set", dev);
            }
            if (schedule == null && !(optimizer.learningRate() > 0)) {
                throw new IllegalArgumentException("the optimizer's learning rate is " + optimizer.learningRate()
                        + ": training would not change the weights; give it a learning rate > 0 (or a schedule)");
            }
            if (patience > 0 && dev == null) {
                throw new IllegalArgumentException("early stopping (patience " + patience + ") watches the dev loss:"
                        + " give a dev set (dev(...)) or patience 0");
            }
            if (history != null && history.size() > epochs) {
                throw new IllegalArgumentException("the resumed history already holds " + history.size()
                        + " epochs, more than the " + epochs + " requested");
            }
            Normalization norm = normalization != null ? normalization : Normalization.defaultFor(train);
            if (norm.features() != model.inputs()) {
                throw new IllegalArgumentException("normalization covers " + norm.features()
                        + " features but the model takes " + model.inputs());
            }
            TrainingConfig config = new TrainingConfig(dev, norm, batches, epochs,
                    schedule != null ? schedule : LearningRateSchedule.constant(optimizer.learningRate()), patience,
                    explosionFactor, trainEvaluationSize, evaluationBatch, listener, stepThreads, warmUp);
            return new Trainer(model, optimizer, train, config, history, resumedBest);
        }

        private void checkData(String what, DataSet data) {
            if (data.features() != model.inputs()) {
                throw new IllegalArgumentException("the " + what + " " + data.name() + " has " + data.features()
                        + " features per sample but the model takes " + model.inputs());
            }
            if (data.targetWidth() > 0) {
                if (model.loss().classification() || data.targetWidth() != model.outputs()) {
                    throw new IllegalArgumentException("the " + what + " " + data.name() + " has " + data.targetWidth()
                            + " real-valued targets per sample but the model has a " + model.loss() + " output of "
                            + model.outputs() + ": regression needs MSE with one output per target");
                }
                return;
            }
            int needed = model.loss().predictsClasses(model.outputs()) ? model.loss().classes(model.outputs())
                    : model.outputs();
            if (data.classes() != needed) {
                throw new IllegalArgumentException("the " + what + " " + data.name() + " has " + data.classes()
                        + " classes but the model's " + model.loss() + " output needs " + needed);
            }
            if (data.size() == 0) {
                throw new IllegalArgumentException("the " + what + " " + data.name() + " holds no samples");
            }
        }
    }
}

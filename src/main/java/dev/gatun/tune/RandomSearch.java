package dev.gatun.tune;

import dev.gatun.blas.Blas;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Regularization;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Trainer;
import dev.gatun.train.TrainingResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scale-aware random search. Each trial draws {@code lr = 10^U(a,b)}, {@code λ = 10^U(c,d)} (L2) and
 * {@code β = 1 − 10^U(e,f)} (momentum's β, Adam's β₁, RMSprop's β₂; none for SGD), builds a fresh network with that
 * λ, and trains it a few epochs on the training set (or a stratified subset of it), measuring the dev set after
 * every epoch. A coarse phase of N trials over the given ranges is followed by a fine phase of M trials whose
 * ranges are narrowed around the top-k coarse trials' log10 values ({@link LogRange#around}).
 *
 * <p>Determinism: the trial seeds come from the search seed in a fixed order before any trial runs; a trial's draw
 * depends only on its seed; every trial starts from the same initial weights (the spec's seed) and batch order (the
 * search seed), so trials differ only in their hyperparameters. With the same BLAS thread count the results are the
 * same whether trials run one at a time or in parallel, and in whichever order they finish.
 *
 * <p>Parallelism: up to P trials at once, each on its own thread with its own arena, model, optimizer and trainer
 * (the data set is only read). OpenBLAS's thread count is global to the process, so it cannot be given per trial:
 * the search sets it to {@code max(1, cores / P)} for its duration (or {@link Builder#blasThreads}) so that P
 * trials together use about the cores there are, and restores the previous count afterwards.
 */
public final class RandomSearch {
    private static final Logger LOG = LoggerFactory.getLogger(RandomSearch.class);

    private final SearchConfig config;
    /** The trials' trainers while they run, so that a failed search can stop them. */
    private final Set<Trainer> running = ConcurrentHashMap.newKeySet();
    /** Set when the search ends: trials that start after it stop at once. */
    private volatile boolean abandoned;
    private static final long STOP_WAIT_SECONDS = 60;

    private RandomSearch(SearchConfig config) {
        this.config = config;
    }

    public static Builder builder(ModelSpec spec, DataSet train, DataSet dev) {
        return new Builder(spec, train, dev);
    }

    /** The normalisation every trial trains with. */
    Normalization normalization() {
        return config.normalization();
    }

    /** Called as each trial finishes, from the thread that ran it (calls are serialised). */
    public interface Listener {
        void trialFinished(Trial trial, int done, int total);

        Listener NONE = (trial, done, total) -> { };
    }

    public SearchResult run() {
        abandoned = false;
        int previousThreads = Blas.threads();
        int threads = config.blasThreads() > 0 ? config.blasThreads()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / config.parallel());
        List<Thread> trialThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = null;
        // From the moment the thread count changes, inside the try: the caller gets its count back however the search
        // ends, a subset or a pool that could not be made included.
        try {
            Blas.setThreads(threads);
            LOG.info("random search: {} coarse + {} fine trials of {} epochs, {} at a time with {} BLAS thread(s) each"
                    + " (OpenBLAS threads are process-wide)", config.coarseTrials(), config.fineTrials(),
                    config.epochs(), config.parallel(), threads);
            pool = config.parallel() > 1 ? Executors.newFixedThreadPool(config.parallel(), r -> {
                Thread t = new Thread(r, "gatun-tune");
                t.setDaemon(true);
                trialThreads.add(t);
                return t;
            }) : null;
            return search(pool);
        } finally {
            if (pool != null) {
                stopTrials(pool, trialThreads);
            }
            if (previousThreads >= 1) {  // 0: a library that cannot say, whose count setThreads did not change
                Blas.setThreads(previousThreads);
            }
        }
    }

    /** The coarse phase, then the fine one around its best trials; on {@code pool}, or this thread when null. */
    private SearchResult search(ExecutorService pool) {
        DataSet train = config.subset() > 0 && config.subset() < config.train().size()
                ? config.train().stratified(config.subset(), config.seed()) : config.train();
        SplittableRandom seeds = new SplittableRandom(config.seed());
        long[] coarseSeeds = seeds.longs(config.coarseTrials()).toArray();
        long[] fineSeeds = seeds.longs(config.fineTrials()).toArray();
        AtomicInteger done = new AtomicInteger();
        int total = config.coarseTrials() + config.fineTrials();
        List<Trial> trials = new ArrayList<>(phase(Trial.Phase.COARSE, config.space(), coarseSeeds, train, pool, done,
                total));
        SearchSpace fine = config.space();
        if (config.fineTrials() > 0) {
            List<Hyperparameters> top = trials.stream().sorted(Trial.BEST_FIRST).filter(Trial::finished)
                    .limit(config.top()).map(Trial::hyperparameters).toList();
            if (top.isEmpty()) {
                LOG.warn("no coarse trial finished without its loss exploding: the fine phase keeps the coarse ranges");
            }
            fine = config.space().around(top, config.margin());
            LOG.info("fine ranges around the best {} coarse trials: lr {}, lambda {}, beta {}", top.size(),
                    fine.learningRate(), fine.lambda(), fine.hasBeta() ? fine.beta() : "-");
            trials.addAll(phase(Trial.Phase.FINE, fine, fineSeeds, train, pool, done, total));
        }
        return new SearchResult(trials, config.space(), fine);
    }

    /**
     * Ends the pool's trials before run() returns or throws: a trial left training would go on using the data and the
     * BLAS thread count its caller now owns again. A trial stops after its current step ({@link Trainer#requestStop}).
     */
    private void stopTrials(ExecutorService pool, List<Thread> trialThreads) {
        abandoned = true;
        running.forEach(Trainer::requestStop);
        pool.shutdownNow();
        // Waited for even when this thread was interrupted (how a search is often ended): returning at once would
        // restore the BLAS threads under trials still stepping.
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_WAIT_SECONDS);
        try {
            // The pool's threads, not only its tasks: a terminated pool's last thread may still be on its way out.
            for (Thread thread : trialThreads) {
                while (thread.isAlive()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warn("random search: trials still running {} s after the search ended", STOP_WAIT_SECONDS);
                        return;
                    }
                    try {
                        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private List<Trial> phase(Trial.Phase phase, SearchSpace space, long[] trialSeeds, DataSet train,
                              ExecutorService pool, AtomicInteger done, int total) {
        List<Trial> trials = new ArrayList<>(trialSeeds.length);
        if (pool == null) {
            for (int i = 0; i < trialSeeds.length; i++) {
                trials.add(finished(trial(phase, i + 1, trialSeeds[i], space, train), done, total));
            }
            return trials;
        }
        List<Future<Trial>> futures = new ArrayList<>(trialSeeds.length);
        for (int i = 0; i < trialSeeds.length; i++) {
            int index = i + 1;
            long seed = trialSeeds[i];
            futures.add(pool.submit(() -> finished(trial(phase, index, seed, space, train), done, total)));
        }
        for (Future<Trial> future : futures) {
            try {
                trials.add(future.get());
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                Throwable cause = e.getCause();
                throw cause instanceof RuntimeException r ? r : new IllegalStateException("a trial failed: " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("random search interrupted", e);
            }
        }
        return trials;
    }

    private Trial finished(Trial trial, AtomicInteger done, int total) {
        synchronized (this) {
            if (!abandoned) {   // a trial stopped because the search failed is not one of its results
                config.listener().trialFinished(trial, done.incrementAndGet(), total);
            }
        }
        return trial;
    }

    /** One trial, entirely on the calling thread: its own arena, model, optimizer and trainer. */
    Trial trial(Trial.Phase phase, int index, long seed, SearchSpace space, DataSet train) {
        Hyperparameters h = space.sample(seed);
        ModelSpec spec = config.spec();
        ModelSpec withL2 = new ModelSpec(spec.inputs(), spec.hidden(), spec.outputs(), spec.loss(), spec.init(),
                Regularization.l2(h.lambda()), spec.seed());
        long start = System.nanoTime();
        try (Arena arena = Arena.ofShared();  // the trainer's step threads write the parameters too
             Model model = Model.build(withL2, DType.F32, arena);
             Optimizer optimizer = optimizer(h);
             Trainer trainer = Trainer.builder(model, optimizer, train).dev(config.dev())
                     .normalization(config.normalization()).batchSize(config.batchSize()).epochs(config.epochs())
                     .seed(config.seed()).trainEvaluationSize(config.trainEvaluationSize()).build()) {
            running.add(trainer);
            TrainingResult result;
            try {
                if (abandoned) {       // the search failed while this trial was starting: it will not be reported
                    trainer.requestStop();
                }
                result = trainer.run();
            } finally {
                running.remove(trainer);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            EpochStats last = result.history().isEmpty() ? null : result.history().last();
            boolean usable = last != null && !result.exploded();
            String note = result.exploded() ? result.explosion().message() : "";
            return new Trial(phase, index, seed, h, result.outcome().name(), result.history().size(),
                    usable ? last.trainLoss() : Double.NaN, usable ? last.trainAccuracy() : Double.NaN,
                    usable ? last.devLoss() : Double.NaN, usable ? last.devAccuracy() : Double.NaN, seconds, note);
        }
    }

    private Optimizer optimizer(Hyperparameters h) {
        return switch (config.optimizer()) {
            case SGD -> Optimizer.sgd(h.learningRate());
            case MOMENTUM -> Optimizer.momentum(h.learningRate(), h.beta());
            case RMSPROP -> Optimizer.rmsprop(h.learningRate(), h.beta(), Optimizer.DEFAULT_EPSILON);
            case ADAM -> Optimizer.adam(h.learningRate(), h.beta(), Optimizer.DEFAULT_BETA2, Optimizer.DEFAULT_EPSILON);
        };
    }

    /** A search's options; every one but the architecture and the data has a default. */
    public static final class Builder {
        private final ModelSpec spec;
        private final DataSet train;
        private final DataSet dev;
        private Normalization normalization;
        private Optimizer.Kind optimizer = Optimizer.Kind.ADAM;
        private LogRange learningRate = new LogRange(-4, -1);
        private LogRange lambda = new LogRange(-5, -1);
        private LogRange beta = new LogRange(-3, -1);
        private int coarseTrials = 20;
        private int fineTrials = 10;
        private int top = 3;
        private double margin = 0.1;
        private int epochs = 2;
        private int batchSize = 128;
        private int subset;
        private int trainEvaluationSize = 2000;
        private int parallel = 1;
        private int blasThreads;
        private long seed = 1;
        private Listener listener = Listener.NONE;

        private Builder(ModelSpec spec, DataSet train, DataSet dev) {
            if (spec == null || train == null || dev == null) {
                throw new IllegalArgumentException("a search needs an architecture, a training set and a dev set, got "
                        + spec + ", " + train + ", " + dev);
            }
            this.spec = spec;
            this.train = train;
            this.dev = dev;
        }

        /** Default: as the trainer's ({@link Normalization#defaultFor}): pixels scaled to [0, 1], float features as they are. */
        public Builder normalization(Normalization normalization) {
            this.normalization = normalization;
            return this;
        }

        /** Adam (default), momentum or RMSprop draw a β; SGD does not. */
        public Builder optimizer(Optimizer.Kind kind) {
            this.optimizer = kind;
            return this;
        }

        /** log10 bounds of the learning rate (default -4, -1). */
        public Builder learningRateRange(LogRange range) {
            this.learningRate = range;
            return this;
        }

        /** log10 bounds of the L2 λ (default -5, -1). */
        public Builder lambdaRange(LogRange range) {
            this.lambda = range;
            return this;
        }

        /** log10 bounds of 1 − β (default -3, -1: β from 0.9 to 0.999). */
        public Builder betaRange(LogRange range) {
            this.beta = range;
            return this;
        }

        /** Coarse and fine trial counts (default 20 and 10); 0 fine trials skips the fine phase. */
        public Builder trials(int coarse, int fine) {
            this.coarseTrials = coarse;
            this.fineTrials = fine;
            return this;
        }

        /** The fine phase narrows around the best {@code k} coarse trials (default 3), padded by {@code margin} (0.1). */
        public Builder fineAround(int k, double margin) {
            this.top = k;
            this.margin = margin;
            return this;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Train each trial on a stratified subset of this many samples (0, the default: all of them). */
        public Builder subset(int samples) {
            this.subset = samples;
            return this;
        }

        /** Training samples evaluated per epoch for the train accuracy (default 2000; 0 = all). */
        public Builder trainEvaluationSize(int samples) {
            this.trainEvaluationSize = samples;
            return this;
        }

        /** Trials run at once (default 1). */
        public Builder parallel(int trials) {
            this.parallel = trials;
            return this;
        }

        /** OpenBLAS threads during the search (default 0: max(1, cores / parallel)). */
        public Builder blasThreads(int threads) {
            this.blasThreads = threads;
            return this;
        }

        /** Seeds the trial seeds, the subset and the batch order. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /** Checks the options and fills in the defaults; changing this builder later leaves the built search alone. */
        public RandomSearch build() {
            if (optimizer == null || learningRate == null || lambda == null) {
                throw new IllegalArgumentException("optimizer and ranges must not be null");
            }
            if (beta == null && optimizer != Optimizer.Kind.SGD) {
                // Else the first trial fails with "beta1 must be in [0, 1), got NaN", naming no range.
                throw new IllegalArgumentException("betaRange is null, but " + optimizer + " draws its beta from it;"
                        + " give a range, or search with SGD");
            }
            SearchSpace space = new SearchSpace(learningRate, lambda, optimizer == Optimizer.Kind.SGD ? null : beta);
            return new RandomSearch(new SearchConfig(spec, train, dev,
                    normalization != null ? normalization : Normalization.defaultFor(train), optimizer,
                    space, coarseTrials, fineTrials, top, margin, epochs, batchSize, subset, trainEvaluationSize,
                    parallel, blasThreads, seed, listener));
        }
    }
}

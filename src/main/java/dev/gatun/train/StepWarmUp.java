package dev.gatun.train;

import dev.gatun.kernels.StepPool;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Targets;
import dev.gatun.nn.Workspace;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Steps of a small model shaped like the one about to train (its layers at most {@value #WIDTH} wide, the same
 * activations, batch norm, dropout, loss and optimizer rule) on made-up data, once per JVM, before the first epoch.
 *
 * <p>Why: until C2 has compiled the step's kernels they run interpreted, and a Vector API kernel that is not yet
 * compiled runs the API's Java fallbacks, about 50 times slower, on full-size batches. Small tensors make the same
 * methods hot in a fraction of that time, so the real steps start on compiled code (BENCHMARKS.md, "The first
 * epoch", has the measurements). The steps are followed by as many evaluation passes (inference forward, loss and
 * predictions, the path {@link Evaluator} takes after every epoch), whose first full-size run after epoch 1 otherwise
 * took four times a steady one. The small model has its own arena, optimizer and data: the real model, its
 * optimizer and every random stream are untouched, so a run's results are the same bits with or without this.
 */
final class StepWarmUp {
    /**
     * {@code -Dgatun.warmUp=false}: no warm-up unless a builder asks for it (A/B comparisons); {@code always}: warm
     * up the first run whatever its size.
     */
    static final String PROPERTY = "gatun.warmUp";
    static final int WIDTH = 48;
    static final int BATCH = 32;
    static final int STEPS = 300;
    /**
     * The run must hold this many times the warm-up's multiply-adds (200 × 50 M, a fraction of a second of compiled
     * sgemm): a smaller run is over before cold kernels would cost more than the warm-up. Cold kernels cost about the
     * same wall time whatever the run, so the rule weighs the run's whole size (steps × batch × weights), not its
     * steps alone.
     */
    static final long WORTH = 200;

    private static final AtomicBoolean DONE = new AtomicBoolean();

    private StepWarmUp() {
    }

    /** The builder's default: on unless {@code -Dgatun.warmUp=false}. */
    static boolean onByDefault() {
        return !"false".equals(System.getProperty(PROPERTY));
    }

    /**
     * Warms up the first time in this JVM that a run of {@code plannedSteps} steps of {@code batch} rows through
     * {@code model} is worth it (or whatever its size with {@code -Dgatun.warmUp=always}); through replicas run by
     * {@code replicaPool} when it is not null, as the run's steps will be.
     */
    static boolean onceFor(Model model, Optimizer optimizer, long plannedSteps, int batch, StepPool replicaPool) {
        ModelSpec small = smallLike(model.spec());
        boolean always = "always".equals(System.getProperty(PROPERTY));
        if (!(always || worthIt(model.spec(), small, plannedSteps, batch)) || !DONE.compareAndSet(false, true)) {
            return false;
        }
        run(model, small, optimizer, STEPS, replicaPool);
        return true;
    }

    /** Whether the run's multiply-adds are at least {@link #WORTH} times the warm-up's. */
    static boolean worthIt(ModelSpec spec, ModelSpec small, long plannedSteps, int batch) {
        return (double) plannedSteps * batch * weights(spec) >= (double) WORTH * STEPS * BATCH * weights(small);
    }

    /**
     * {@code spec} with every layer at most {@link #WIDTH} wide. The output keeps its width: that width picks the loss
     * kernels' path.
     */
    static ModelSpec smallLike(ModelSpec spec) {
        List<LayerSpec> hidden = new ArrayList<>();
        for (LayerSpec h : spec.hidden()) {
            hidden.add(new LayerSpec(Math.min(h.units(), WIDTH), h.activation(), h.keepProb(), h.batchNorm()));
        }
        return new ModelSpec(Math.min(spec.inputs(), WIDTH), hidden, spec.outputs(), spec.loss(), spec.init(),
                spec.regularization(), spec.seed());
    }

    /** {@code steps} training steps of a fresh {@code small} model with a fresh copy of {@code optimizer}'s rule. */
    static void run(Model model, ModelSpec small, Optimizer optimizer, int steps) {
        run(model, small, optimizer, steps, null);
    }

    private static void run(Model model, ModelSpec small, Optimizer optimizer, int steps, StepPool replicaPool) {
        // Shared like the trainer's models: the step threads touch these parameters too.
        try (Arena arena = Arena.ofShared();
             Model m = Model.build(small, model.dtype(), arena);
             Optimizer o = optimizer.freshCopy();
             ReplicaSteps replicas = replicaPool == null ? null
                     : new ReplicaSteps(m, replicaPool.threads(), BATCH, arena, replicaPool)) {
            Tensor X = Tensor.allocate(arena, model.dtype(), BATCH, small.inputs());
            for (long k = 0; k < X.size(); k++) {
                X.set(k, (k * 0x9E3779B97F4A7C15L >>> 40) / (double) (1L << 24));
            }
            Targets y = targets(arena, small, model);
            for (int i = 0; i < steps; i++) {
                if (replicas != null) {
                    replicas.computeGradients(X, y, X.rows());
                    replicas.step(o);
                } else {
                    m.computeGradients(X, y);
                    o.step(m.parameters());
                }
            }
            // Evaluator's two paths: loss and predictions in one pass, or a regression's forward pass.
            Workspace ws = m.newWorkspace();
            boolean classification = small.loss().classification();
            int[] predictions = small.loss().predictsClasses(small.outputs()) ? new int[BATCH] : null;
            for (int i = 0; i < steps; i++) {
                if (classification) {
                    m.evaluate(X, y, ws, predictions);
                } else {
                    m.forward(X, Mode.INFERENCE, ws);
                }
            }
        }
    }

    private static Targets targets(Arena arena, ModelSpec small, Model model) {
        if (small.loss().predictsClasses(small.outputs())) {
            int classes = small.loss().classes(small.outputs());
            int[] labels = new int[BATCH];
            for (int r = 0; r < BATCH; r++) {
                labels[r] = r % classes;
            }
            return Targets.labels(arena, labels);
        }
        Tensor values = Tensor.allocate(arena, model.dtype(), BATCH, small.outputs());
        for (long k = 0; k < values.size(); k++) {
            values.set(k, k % 2);
        }
        return Targets.dense(values);
    }

    private static long weights(ModelSpec spec) {
        long n = 0;
        List<Integer> widths = spec.widths();
        for (int l = 1; l < widths.size(); l++) {
            n += (long) widths.get(l - 1) * widths.get(l) + widths.get(l);
        }
        return n;
    }

    /** For tests: lets the next run warm up again. */
    static void forget() {
        DONE.set(false);
    }
}

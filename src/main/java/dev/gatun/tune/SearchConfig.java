package dev.gatun.tune;

import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Regularization;
import dev.gatun.optim.Optimizer;

import java.util.List;

/**
 * A {@link RandomSearch}'s options once {@link RandomSearch.Builder#build()} has filled in the defaults; checked
 * here, read by the search and never changed. The meaning of each is on the builder's method of the same name.
 *
 * @param space the coarse phase's ranges (no β range for SGD)
 * @param top the fine phase narrows around this many of the best coarse trials
 * @param margin how far (in log10) the fine ranges reach beyond those trials
 * @param blasThreads OpenBLAS threads during the search; 0 = max(1, cores / parallel)
 */
record SearchConfig(ModelSpec spec, DataSet train, DataSet dev, Normalization normalization, Optimizer.Kind optimizer,
                    SearchSpace space, int coarseTrials, int fineTrials, int top, double margin, int epochs,
                    int batchSize, int subset, int trainEvaluationSize, int parallel, int blasThreads, long seed,
                    RandomSearch.Listener listener) {
    SearchConfig {
        if (spec == null || train == null || dev == null || normalization == null || optimizer == null || space == null
                || listener == null) {
            throw new IllegalArgumentException("architecture, data, normalization, optimizer, ranges and listener must"
                    + " not be null");
        }
        if (coarseTrials < 1 || fineTrials < 0 || top < 1 || epochs < 1 || batchSize < 1 || subset < 0
                || trainEvaluationSize < 0 || parallel < 1 || blasThreads < 0) {
            throw new IllegalArgumentException("random search: trials >= 1, fine trials >= 0, top >= 1, epochs >= 1,"
                    + " batch >= 1, subset >= 0, parallel >= 1 and BLAS threads >= 0; got trials " + coarseTrials
                    + ", fine " + fineTrials + ", top " + top + ", epochs " + epochs + ", batch " + batchSize
                    + ", subset " + subset + ", parallel " + parallel + ", threads " + blasThreads);
        }
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("fine-range margin must be finite and >= 0, got " + margin);
        }
        if (spec.regularization().kind() != Regularization.Kind.NONE) {
            // Each trial's network is the spec with L2 at the λ drawn for it: another penalty would be dropped unseen.
            throw new IllegalArgumentException("the search draws each trial's L2 λ from its range, so the spec must"
                    + " have no regularization of its own; this one has " + spec.regularization().kind() + " with λ "
                    + spec.regularization().lambda());
        }
        if (!spec.loss().predictsClasses(spec.outputs())) {
            throw new IllegalArgumentException("the search ranks trials by dev accuracy, which needs one class per"
                    + " row; the spec's output is " + spec.loss() + " with " + spec.outputs() + " outputs");
        }
        for (DataSet data : List.of(train, dev)) {
            if (data.features() != spec.inputs() || data.classes() != spec.loss().classes(spec.outputs())) {
                throw new IllegalArgumentException(data.name() + " has " + data.features() + " features and "
                        + data.classes() + " classes but the network takes " + spec.inputs() + " inputs and has "
                        + spec.outputs() + " outputs");
            }
        }
    }
}

package dev.gatun.nn;

import dev.gatun.activation.Activation;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A stack of layers built from a seeded {@link ModelSpec}: dense layers (with batch norm and dropout where the
 * spec asks), then an output layer whose logits feed the loss. float32 for training and inference, float64
 * for gradient checking.
 *
 * <p>Memory: parameters, their gradients and the batch-norm running statistics live in the arena passed to
 * {@link #build} (the caller's; a shared arena lets many inference threads read them). Batch-sized buffers live
 * in {@link Workspace}s the model owns and frees in {@link #close()}. After the first call for a batch size,
 * {@link #computeGradients}, {@link #forward}, {@link #cost} and {@link #countCorrect} allocate nothing on the
 * Java heap.
 *
 * <p>Not thread-safe for training. For concurrent inference give each thread a {@link #newWorkspace()} and
 * call {@link #forward(Tensor, Mode, Workspace)} in INFERENCE mode, which only reads the model.
 */
public final class Model implements AutoCloseable {
    private final ModelSpec spec;
    private final DType dtype;
    private final List<Layer<?>> layers;
    private final Parameter[] parameters;
    private final List<Parameter> parameterList;
    private final List<NamedTensor> state;
    private final List<Workspace> workspaces = new ArrayList<>();
    private final Workspace workspace;
    private long step;
    private volatile boolean closed;

    private Model(ModelSpec spec, DType dtype, List<Layer<?>> layers) {
        this.spec = spec;
        this.dtype = dtype;
        this.layers = List.copyOf(layers);
        List<Parameter> params = new ArrayList<>();
        List<NamedTensor> buffers = new ArrayList<>();
        for (Layer<?> layer : this.layers) {
            params.addAll(layer.parameters());
            buffers.addAll(layer.state());
        }
        this.parameterList = List.copyOf(params);
        this.parameters = params.toArray(Parameter[]::new);
        this.state = List.copyOf(buffers);
        this.workspace = newWorkspace();
    }

    public static Builder builder(int inputs) {
        return new Builder(inputs);
    }

    public static Model build(ModelSpec spec, DType dtype, Arena arena) {
        return build(spec, dtype, arena, UnaryOperator.identity());
    }

    /**
     * As {@link #build(ModelSpec, DType, Arena)}, passing every layer through {@code decorator} after
     * initialisation: tests wrap a layer this way (a deliberately broken backward, say).
     */
    static Model build(ModelSpec spec, DType dtype, Arena arena, UnaryOperator<Layer<?>> decorator) {
        if (spec == null || dtype == null || arena == null || decorator == null) {
            throw new IllegalArgumentException("Model.build: spec, dtype, arena and decorator must not be null");
        }
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("Model.build: the arena for the model's parameters is already closed");
        }
        SplittableRandom random = new SplittableRandom(spec.seed());
        List<Layer<?>> layers = new ArrayList<>();
        long in = spec.inputs();
        int index = 1;
        for (LayerSpec h : spec.hidden()) {
            Dense dense = dense(index, in, h.units(), h.batchNorm() ? Activation.IDENTITY : h.activation(),
                    !h.batchNorm(), arena, dtype);
            spec.init().fill(dense.weights().value(), random);
            layers.add(dense);
            if (h.batchNorm()) {
                layers.add(new BatchNorm(index, h.units(), h.activation(), arena, dtype));
            }
            if (h.keepProb() < 1) {
                layers.add(new Dropout(index, h.units(), h.keepProb(), spec.seed()));
            }
            in = h.units();
            index++;
        }
        Dense output = dense(index, in, spec.outputs(), Activation.IDENTITY, true, arena, dtype);
        spec.init().fill(output.weights().value(), random);
        layers.add(output);
        layers.replaceAll(decorator);
        return new Model(spec, dtype, layers);
    }

    /**
     * A dense layer's parameters, allocated; a layer too large for the machine is named, which the JDK's "Unable to
     * allocate N bytes" would not do.
     */
    private static Dense dense(int index, long in, long units, Activation g, boolean bias, Arena arena, DType dtype) {
        try {
            return new Dense(index, in, units, g, bias, arena, dtype);
        } catch (OutOfMemoryError e) {
            OutOfMemoryError named = new OutOfMemoryError(String.format(java.util.Locale.ROOT, "Model.build: layer %d's"
                    + " weights (%d x %d %s, %.2f GB) do not fit in memory: %s", index, units, in, dtype,
                    (double) units * in * dtype.byteSize() / 1e9, e.getMessage()));
            named.initCause(e);
            throw named;
        }
    }

    /**
     * A replica for data-parallel steps inside one process ({@link #computeDataGradients(Tensor, Targets, SharedBatch,
     * Workspace)} on each, then their gradients summed): it reads this model's weights, the same memory, so it sees
     * every optimizer step without a copy, and has gradients and workspaces of its own in {@code arena}. Its step
     * counter is its own; set it with {@link #setStep} before each pass.
     *
     * @throws UnsupportedOperationException for a model with a layer other than dense and dropout: batch norm's
     *         running statistics would be written by every replica
     */
    public Model replicaSharingWeights(Arena arena) {
        requireOpen();
        if (!sharesWeightsSafely()) {
            throw new UnsupportedOperationException("replicaSharingWeights: only models of dense and dropout layers,"
                    + " got layers " + layers.stream().map(Layer::name).toList());
        }
        List<Layer<?>> copies = new ArrayList<>();
        for (Layer<?> layer : layers) {
            copies.add(layer instanceof Dense dense ? new Dense(dense, arena) : layer);
        }
        return new Model(spec, dtype, copies);
    }

    /** Whether {@link #replicaSharingWeights} can make a replica: every layer is dense or dropout (immutable). */
    public boolean sharesWeightsSafely() {
        for (Layer<?> layer : layers) {
            if (!(layer instanceof Dense || layer instanceof Dropout)) {
                return false;
            }
        }
        return true;
    }

    public ModelSpec spec() {
        return spec;
    }

    public DType dtype() {
        return dtype;
    }

    public int inputs() {
        return spec.inputs();
    }

    public int outputs() {
        return spec.outputs();
    }

    public Loss loss() {
        return spec.loss();
    }

    /** The layers, input to output. */
    public List<Layer<?>> layers() {
        return layers;
    }

    /** Every trainable tensor with its gradient, in layer order (W1, b1, gamma2, beta2, ...). */
    public List<Parameter> parameters() {
        return parameterList;
    }

    /** The non-trained tensors a model file must also keep (batch-norm running statistics). */
    public List<NamedTensor> state() {
        return state;
    }

    /**
     * Throws, naming {@code operation}, when the arena the model's parameters were built in has been closed: the JDK's
     * own "Already closed" would name neither the operation nor the model. (A model that was itself closed keeps its
     * parameters: they are its caller's.)
     */
    public void requireParametersAlive(String operation) {
        for (Map.Entry<String, Tensor> e : tensorsByName().entrySet()) {
            if (!e.getValue().isAlive()) {
                throw new IllegalStateException(operation + ": the model's " + e.getKey() + " lives in an arena that is"
                        + " already closed");
            }
        }
    }

    /** Every parameter's value and every state tensor by name (W1, b1, gamma2, running_mean2, ...), in that order. */
    public Map<String, Tensor> tensorsByName() {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Parameter p : parameterList) {
            byName.put(p.name(), p.value());
        }
        for (NamedTensor s : state) {
            byName.put(s.name(), s.tensor());
        }
        return byName;
    }

    /** The training-step counter: drives dropout masks, advanced by each {@link #computeGradients}. */
    public long step() {
        return step;
    }

    /** Sets the step counter, e.g. to resume a run, or to replay a step's dropout masks. */
    public void setStep(long step) {
        this.step = step;
    }

    /** A workspace for one more thread's passes; the model closes it in {@link #close()}. */
    public Workspace newWorkspace() {
        return registered(() -> new Workspace(this));
    }

    /**
     * A workspace for passes of 1 to {@code maxRows} rows, the number changing from pass to pass without allocating:
     * one block sized for {@code maxRows}, from which every smaller size is served (see {@link Workspace}). For a
     * data-parallel replica, whose share of each batch varies. The model closes it in {@link #close()}.
     */
    public Workspace newWorkspace(int maxRows) {
        return registered(() -> new Workspace(this, maxRows));
    }

    /** Makes and registers a workspace, checking "open" under close()'s lock: no workspace escapes a close. */
    private Workspace registered(Supplier<Workspace> make) {
        synchronized (workspaces) {
            requireOpen();
            Workspace created = make.get();
            workspaces.add(created);
            return created;
        }
    }

    /** The output ŷ for X {@code (m, inputs)}: probabilities (softmax or sigmoid), or the values for MSE. */
    public Tensor forward(Tensor X, Mode mode) {
        return forward(X, mode, workspace);
    }

    /** As {@link #forward(Tensor, Mode)} in the given workspace; the result lives there until its next pass of m rows. */
    public Tensor forward(Tensor X, Mode mode, Workspace ws) {
        Workspace.SizeBuffers buffers = begin(X, mode, ws);
        return spec.loss().output(logits(buffers, X, mode), buffers.yhat);
    }

    /** {@code J = (1/m)·Σ L(ŷ, y)} plus the regularization term, for a forward pass in {@code mode}. Changes no state. */
    public double cost(Tensor X, Targets y, Mode mode) {
        Workspace.SizeBuffers buffers = begin(X, mode, workspace);
        spec.loss().checkTargets(y, X.rows(), outputs(), dtype);
        return costOf(buffers, logits(buffers, X, mode), y);
    }

    /**
     * One training step's gradients: forward in TRAIN mode, cost (with the regularization term),
     * backward writing every {@link Parameter#grad()}; then batch norm updates its running statistics and the
     * step counter advances. Returns the cost.
     */
    public double computeGradients(Tensor X, Targets y) {
        return computeGradients(X, y, X.rows());
    }

    /**
     * As {@link #computeGradients(Tensor, Targets)}, with the regularization term scaled by {@code penaltyRows}
     * rather than X's rows: a trainer passes its batch size, so that an epoch's short last batch is not penalised
     * more. Divided by that batch's own m, a last batch of one row in batches of 1,000 took a thousand times the
     * weight decay (zeroing or flipping the weights once αλ ≥ 1) and a cost that tripped the explosion check.
     */
    public double computeGradients(Tensor X, Targets y, long penaltyRows) {
        if (penaltyRows < 1) {
            throw new IllegalArgumentException("computeGradients: the penalty's row count must be at least 1, got "
                    + penaltyRows);
        }
        Workspace.SizeBuffers buffers = begin(X, Mode.TRAIN, workspace);
        long m = X.rows();
        double cost = backpropagate(buffers, X, y) / m + spec.regularization().cost(parameters, penaltyRows);
        spec.regularization().addGradients(parameters, penaltyRows);
        for (Workspace.Bound<?> layer : buffers.layers) {
            layer.afterStep();
        }
        step++;
        return cost;
    }

    /**
     * One replica's part of a data-parallel step, where a batch is split over several models holding the same
     * weights: forward in TRAIN mode and backward over X's rows, writing into every {@link Parameter#grad()} the
     * data term's mean gradient over those rows, without the regularization term. Returns {@code Σ L(ŷ, y)} over
     * X's rows (not divided). The step counter does not move.
     *
     * <p>A replica holding {@code m} of a batch's {@code M} rows weighs these gradients by {@code m/M} before the
     * replicas sum them (the {@link SharedBatch} variant does that itself), and then calls {@link #finishStep(long)}
     * with {@code M} once, so the penalty is counted once per batch rather than once per replica.
     *
     * @throws UnsupportedOperationException when the model has batch norm or dropout: their statistics and
     *         masks would be those of this replica's rows, not of the batch; the {@link SharedBatch} variant
     *         handles both
     */
    public double computeDataGradients(Tensor X, Targets y) {
        for (Layer<?> layer : layers) {
            if (layer instanceof BatchNorm || layer instanceof Dropout) {
                throw new UnsupportedOperationException("computeDataGradients: the model's " + layer.name()
                        + " would use the statistics or masks of one replica's rows, not of the whole batch;"
                        + " pass the batch's SharedBatch for models with batch norm or dropout");
            }
        }
        return backpropagate(begin(X, Mode.TRAIN, workspace), X, y);
    }

    /**
     * As {@link #computeDataGradients(Tensor, Targets)}, for any model: X holds this replica's rows of a batch
     * shared with other replicas through {@code batch}. Batch norm normalises with the whole batch's mean and
     * variance and backpropagates with its sums of the gradient terms, both summed over the replicas (synchronized
     * batch norm), and folds the batch's statistics into its running averages; dropout keys each row's mask by
     * (seed, layer, {@link #step()}, row id). So the replicas together compute what one pass over the whole batch
     * would, up to the order of float sums, with one exception: dropout's masks are not those of
     * {@link #computeGradients}, which keys them by position in the batch. Every replica must make this call for
     * every batch, in step, since batch norm's sums wait for all of them.
     *
     * <p>Unlike the two-argument variant, the gradients written are this replica's share of the whole batch's mean
     * gradient: its rows' sum divided by {@link SharedBatch#rows()}, not by its own rows. So the replicas' gradients
     * add up to the batch's with no weights; then {@link #finishStep(long)} adds the penalty once.
     *
     * <p>{@code X} and {@code y} null: this replica holds none of the batch's rows. It still joins batch norm's sums
     * (with nothing to add) and moves its running averages; its gradients are zero and it returns 0.
     *
     * @param ws a workspace of this model's, typically {@link #newWorkspace(int)} sized for the largest share
     * @return {@code Σ L(ŷ, y)} over X's rows (not divided)
     */
    public double computeDataGradients(Tensor X, Targets y, SharedBatch batch, Workspace ws) {
        requireOpen();
        if (batch == null) {
            throw new IllegalArgumentException("computeDataGradients: the shared batch is null");
        }
        if (X == null) {
            joinWithoutRows(batch);
            return 0;
        }
        Workspace.SizeBuffers buffers = begin(X, Mode.TRAIN, ws);
        if (X.rows() > batch.rows()) {
            throw new IllegalArgumentException("computeDataGradients: " + X.rows() + " rows of a batch of "
                    + batch.rows());
        }
        spec.loss().checkTargets(y, X.rows(), outputs(), dtype);
        Tensor a = X;
        for (int l = 0; l < buffers.layers.length; l++) {
            buffers.inputs[l] = a;
            a = buffers.layers[l].forwardShared(a, step, batch);
        }
        double lossSum = spec.loss().lossAndGradient(a, y, buffers.dZ, buffers.targets);
        Tensor gradient = buffers.dZ;
        for (int l = buffers.layers.length - 1; l >= 0; l--) {
            gradient = buffers.layers[l].backwardShared(buffers.inputs[l], gradient, batch);
        }
        return lossSum;
    }

    /** A replica without rows in this batch: batch norm's sums joined with zeros, in the order a pass makes them. */
    private void joinWithoutRows(SharedBatch batch) {
        for (Layer<?> layer : layers) {
            if (layer instanceof BatchNorm norm) {
                norm.forwardShared(null, null, batch);
            }
        }
        for (Layer<?> layer : layers.reversed()) {
            if (layer instanceof BatchNorm norm) {
                norm.backwardShared(null, null, null, batch);
            }
        }
        for (Parameter p : parameters) {
            p.grad().zero();
        }
    }

    /**
     * Completes a step whose data gradients were combined from {@link #computeDataGradients} calls: adds the
     * regularization gradient for a batch of {@code batchRows} rows to every parameter's gradient and advances the
     * step counter. Returns the regularization term of the cost, {@code (λ/2M)·Σ‖W‖²} for L2. A trainer passes its
     * batch size even for a short last batch, as {@link #computeGradients(Tensor, Targets, long)} explains.
     */
    public double finishStep(long batchRows) {
        requireOpen();
        if (batchRows < 1) {
            throw new IllegalArgumentException("finishStep: a batch has at least one row, got " + batchRows);
        }
        double penalty = spec.regularization().cost(parameters, batchRows);
        spec.regularization().addGradients(parameters, batchRows);
        step++;
        return penalty;
    }

    /** Rows of X classified correctly (INFERENCE mode): argmax for softmax, p ≥ 0.5 for binary cross-entropy. */
    public int countCorrect(Tensor X, Targets y) {
        return countCorrect(X, y, workspace);
    }

    public int countCorrect(Tensor X, Targets y, Workspace ws) {
        if (!spec.loss().classification()) {
            throw new UnsupportedOperationException("accuracy is not defined for MSE regression; use the cost");
        }
        Workspace.SizeBuffers buffers = begin(X, Mode.INFERENCE, ws);
        spec.loss().checkTargets(y, X.rows(), outputs(), dtype);
        Tensor yhat = spec.loss().output(logits(buffers, X, Mode.INFERENCE), buffers.yhat);
        return spec.loss().countCorrect(yhat, y);
    }

    /**
     * One batch of an evaluation, INFERENCE mode, one forward pass: returns the data term {@code Σ L(ŷ, y)} over the
     * m rows (no regularization: what dev and test losses report) and, when {@code predictions} is not null, writes
     * each row's predicted class into {@code predictions[0..m)} (argmax; 0/1 for one-output binary cross-entropy).
     * Allocates nothing once the workspace has seen this batch size.
     */
    public double evaluate(Tensor X, Targets y, Workspace ws, int[] predictions) {
        Workspace.SizeBuffers buffers = begin(X, Mode.INFERENCE, ws);
        spec.loss().checkTargets(y, X.rows(), outputs(), dtype);
        Tensor logits = logits(buffers, X, Mode.INFERENCE);
        double lossSum = spec.loss().lossAndGradient(logits, y, buffers.dZ, buffers.targets);
        if (predictions != null) {
            spec.loss().predict(logits, predictions);
        }
        return lossSum;
    }

    /**
     * Copies parameter values, running statistics and the step counter from a model of the same architecture,
     * converting between float32 and float64: gradient-check a float32 model in float64, or snapshot and restore
     * the best weights.
     */
    public void copyFrom(Model source) {
        requireOpen();
        if (!source.spec.widths().equals(spec.widths()) || source.parameters.length != parameters.length
                || source.state.size() != state.size()) {
            throw new IllegalArgumentException("cannot copy a model of widths " + source.spec.widths() + " into one of widths "
                    + spec.widths());
        }
        for (int i = 0; i < parameters.length; i++) {
            copy(source.parameters[i].name(), source.parameters[i].value(), parameters[i].name(), parameters[i].value());
        }
        for (int i = 0; i < state.size(); i++) {
            copy(source.state.get(i).name(), source.state.get(i).tensor(), state.get(i).name(), state.get(i).tensor());
        }
        step = source.step;
    }

    private static void copy(String fromName, Tensor from, String toName, Tensor to) {
        if (!fromName.equals(toName) || from.size() != to.size()) {
            throw new IllegalArgumentException("cannot copy " + fromName + " " + from.shapeString() + " into " + toName + " "
                    + to.shapeString());
        }
        if (from.dtype() == to.dtype()) {
            to.copyFrom(from);
        } else {
            for (long k = 0; k < from.size(); k++) {
                to.set(k, from.get(k));
            }
        }
    }

    /**
     * Frees every workspace (the parameters stay: their arena is the caller's). Later passes and new workspaces
     * throw. A pass still running on another thread fails; if one holds a workspace's memory in a native call for
     * long (see {@link Workspace#close()}), this throws after freeing the rest, and closing again frees what is left.
     */
    @Override
    public void close() {
        List<Workspace> open;
        synchronized (workspaces) {
            closed = true;
            open = List.copyOf(workspaces);   // each close releases itself from the list
        }
        RuntimeException first = null;
        for (Workspace w : open) {
            try {
                w.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Workspaces open on this model: its own, and those of the trainers and evaluators using it now. */
    int openWorkspaces() {
        synchronized (workspaces) {
            return workspaces.size();
        }
    }

    /** Forgets a workspace its owner closed: a model trained or evaluated again and again holds only the open ones. */
    void release(Workspace workspace) {
        synchronized (workspaces) {
            workspaces.remove(workspace);
        }
    }

    private Workspace.SizeBuffers begin(Tensor X, Mode mode, Workspace ws) {
        requireOpen();
        if (mode == null || ws == null) {
            throw new IllegalArgumentException("mode and workspace must not be null");
        }
        if (!ws.belongsTo(this)) {
            // Its buffers carry its own model's layers: the pass would run that model, silently.
            throw new IllegalArgumentException("the workspace belongs to another model: use one from this model's"
                    + " newWorkspace()");
        }
        if (X == null) {
            throw new IllegalArgumentException("model input X is null");
        }
        if (!X.isAlive()) {
            throw new IllegalStateException("model input X " + X.shapeString() + " lives in an arena that is already closed");
        }
        if (X.rank() != 2 || X.cols() != spec.inputs() || X.dtype() != dtype) {
            throw new IllegalArgumentException("model input X is " + X.dtype() + " " + X.shapeString() + " but the model takes "
                    + dtype + " (m, " + spec.inputs() + ")");
        }
        return ws.forSize(X.rows());
    }

    private Tensor logits(Workspace.SizeBuffers buffers, Tensor X, Mode mode) {
        Tensor a = X;
        for (int l = 0; l < buffers.layers.length; l++) {
            buffers.inputs[l] = a;
            a = buffers.layers[l].forward(a, mode, step);
        }
        return a;
    }

    private double costOf(Workspace.SizeBuffers buffers, Tensor logits, Targets y) {
        long m = logits.rows();
        double lossSum = spec.loss().lossAndGradient(logits, y, buffers.dZ, buffers.targets);
        return lossSum / m + spec.regularization().cost(parameters, m);
    }

    /** Forward in TRAIN mode, the loss, then every layer's backward: returns {@code Σ L(ŷ, y)} over X's rows. */
    private double backpropagate(Workspace.SizeBuffers buffers, Tensor X, Targets y) {
        spec.loss().checkTargets(y, X.rows(), outputs(), dtype);
        Tensor logits = logits(buffers, X, Mode.TRAIN);
        double lossSum = spec.loss().lossAndGradient(logits, y, buffers.dZ, buffers.targets);
        Tensor gradient = buffers.dZ;
        for (int l = buffers.layers.length - 1; l >= 0; l--) {
            gradient = buffers.layers[l].backward(buffers.inputs[l], gradient);
        }
        return lossSum;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    /** Fluent construction of a {@link ModelSpec}, then {@link #build}. */
    public static final class Builder {
        private final int inputs;
        private final List<LayerSpec> hidden = new ArrayList<>();
        private int outputs;
        private Loss loss;
        private Init init = Init.HE;
        private Regularization regularization = Regularization.NONE;
        private long seed;
        private DType dtype = DType.F32;

        private Builder(int inputs) {
            this.inputs = inputs;
        }

        public Builder dense(int units, Activation activation) {
            requireNoOutput("dense");
            hidden.add(new LayerSpec(units, activation, 1.0, false));
            return this;
        }

        /** Batch norm on the last dense layer's Z, before its activation (that layer loses its bias). */
        public Builder batchNorm() {
            LayerSpec last = last("batchNorm");
            hidden.set(hidden.size() - 1, new LayerSpec(last.units(), last.activation(), last.keepProb(), true));
            return this;
        }

        /** Inverted dropout on the last dense layer's output, keeping each unit with probability keepProb. */
        public Builder dropout(double keepProb) {
            LayerSpec last = last("dropout");
            hidden.set(hidden.size() - 1, new LayerSpec(last.units(), last.activation(), keepProb, last.batchNorm()));
            return this;
        }

        public Builder output(int units, Loss loss) {
            requireNoOutput("output");
            if (units <= 0 || loss == null) {
                throw new IllegalArgumentException("output(" + units + ", " + loss + "): needs a positive width and a loss");
            }
            this.outputs = units;
            this.loss = loss;
            return this;
        }

        public Builder init(Init init) {
            this.init = init;
            return this;
        }

        public Builder l2(double lambda) {
            this.regularization = Regularization.l2(lambda);
            return this;
        }

        public Builder l1(double lambda) {
            this.regularization = Regularization.l1(lambda);
            return this;
        }

        public Builder regularization(Regularization regularization) {
            this.regularization = regularization;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder dtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        public ModelSpec spec() {
            if (loss == null) {
                throw new IllegalStateException("model builder: call output(units, loss) before building");
            }
            return new ModelSpec(inputs, hidden, outputs, loss, init, regularization, seed);
        }

        public Model build(Arena arena) {
            return Model.build(spec(), dtype, arena);
        }

        /** As {@link #build(Arena)}, passing every layer through {@code decorator}: for tests. */
        Model build(Arena arena, UnaryOperator<Layer<?>> decorator) {
            return Model.build(spec(), dtype, arena, decorator);
        }

        private LayerSpec last(String what) {
            requireNoOutput(what);
            if (hidden.isEmpty()) {
                throw new IllegalStateException("model builder: " + what + "() must follow a dense() layer");
            }
            return hidden.getLast();
        }

        private void requireNoOutput(String what) {
            if (loss != null) {
                throw new IllegalStateException("model builder: " + what + "() after output(): the output layer comes last");
            }
        }
    }
}

package dev.gatun.io;

import dev.gatun.Gatun;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Shapes;
import dev.gatun.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Model} with its {@link Normalization} (and, for a training checkpoint, its {@link Optimizer}) as a
 * model file: checksummed sections, written atomically. The sections:
 * <pre>
 *   ARCH  key/values: {@link ModelSpec#toMap()}, {@code dtype} (F32|F64), {@code normalization} (mode),
 *         {@code normalization.features}
 *   META  key/values: the caller's metadata (training configuration, accuracy, ...), possibly empty
 *   NORM  tensor table: {@code mean}, {@code std} (one value, or one per feature)
 *   TENS  tensor table: every parameter then every running statistic, under the model's names
 *         (W1, b1, gamma2, beta2, ..., running_mean2, running_var2)
 *   OPTM  key/values, checkpoints only: {@code kind}, {@code learning_rate}, {@code beta1}, {@code beta2},
 *         {@code epsilon}, {@code step_count} (the optimizer's t), {@code model_step} ({@link Model#step()})
 *   OPTS  tensor table, checkpoints only: the optimizer state under {@link Optimizer#stateNames()} (W1.v, W1.s...)
 * </pre>
 * Tensors are stored as little-endian float32 whatever the model's dtype. A float32 model therefore round-trips
 * bit for bit; a float64 model comes back as float64 holding its values rounded to float32 (its forward pass then
 * equals that of the original with every tensor rounded to float32, not the original's).
 *
 * <p>{@link #load} decodes and checks everything on the heap (architecture, every expected tensor present once
 * with the shape the architecture implies, no unknown tensor, finite values, normalisation width equal to the
 * model's inputs) before it allocates the model in the caller's arena, and names the file and the problem in a
 * {@link ModelFormatException} otherwise.
 */
public final class ModelIo {
    static final String ARCH = "ARCH";
    static final String META = "META";
    static final String NORM = "NORM";
    static final String TENS = "TENS";
    static final String OPTM = "OPTM";
    static final String OPTS = "OPTS";

    private ModelIo() {}

    /** What {@link #load} returns; the model's tensors live in the arena passed to load, the model is the caller's. */
    public record LoadedModel(Model model, Normalization normalization, ModelMetadata metadata,
                              boolean hasOptimizer) {}

    /**
     * Saves a model for inference or evaluation (no optimizer state). Atomic: a crash leaves the old file or the new
     * one, never a mix.
     */
    public static void save(Path file, Model model, Normalization normalization, Map<String, String> metadata)
            throws IOException {
        encode(file, model, normalization, metadata).write();
    }

    /** Saves a training checkpoint: the model as {@link #save} does, plus the optimizer's hyperparameters, step and state. */
    public static void save(Path file, Model model, Normalization normalization, Map<String, String> metadata,
                            Optimizer optimizer) throws IOException {
        encode(file, model, normalization, metadata, optimizer).write();
    }

    /** What {@link #save(Path, Model, Normalization, Map)} writes, encoded now and written when the caller says. */
    public static EncodedModel encode(Path file, Model model, Normalization normalization,
                                      Map<String, String> metadata) {
        return new EncodedModel(file, sections(model, normalization, metadata));
    }

    /**
     * What {@link #save(Path, Model, Normalization, Map, Optimizer)} writes (a checkpoint), encoded now and written
     * when the caller says.
     */
    public static EncodedModel encode(Path file, Model model, Normalization normalization,
                                      Map<String, String> metadata, Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("checkpoint of " + file + ": optimizer is null");
        }
        List<Section> sections = sections(model, normalization, metadata);
        Map<String, String> hyper = new LinkedHashMap<>();
        hyper.put("kind", optimizer.kind().name());
        hyper.put("learning_rate", Double.toString(optimizer.learningRate()));
        hyper.put("beta1", Double.toString(optimizer.beta1()));
        hyper.put("beta2", Double.toString(optimizer.beta2()));
        hyper.put("epsilon", Double.toString(optimizer.epsilon()));
        hyper.put("step_count", Long.toString(optimizer.stepCount()));
        hyper.put("model_step", Long.toString(model.step()));
        Map<String, Tensor> state = new LinkedHashMap<>();
        List<String> names = optimizer.stateNames();
        List<Tensor> tensors = optimizer.state();
        for (int k = 0; k < names.size(); k++) {
            state.put(names.get(k), tensors.get(k));
        }
        sections.add(new Section(OPTM, KeyValues.encode(hyper)));
        sections.add(new Section(OPTS, TensorTable.encode(state)));
        return new EncodedModel(file, sections);
    }

    private static List<Section> sections(Model model, Normalization normalization, Map<String, String> metadata) {
        if (model == null || normalization == null || metadata == null) {
            throw new IllegalArgumentException("save: model, normalization and metadata must not be null");
        }
        if (normalization.features() != model.inputs()) {
            throw new IllegalArgumentException("save: normalisation covers " + normalization.features()
                    + " features but the model takes " + model.inputs() + " inputs");
        }
        ModelMetadata.requireNamesFit("save", metadata, model.spec());
        model.requireParametersAlive("save");
        // Every file says which Gatun wrote it and when, whatever else the caller put in.
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelMetadata.VERSION, Gatun.version());
        meta.put(ModelMetadata.CREATED, Instant.now().toString());
        meta.putAll(metadata);
        Map<String, String> arch = new LinkedHashMap<>(model.spec().toMap());
        arch.put("dtype", model.dtype().name());
        arch.put("normalization", normalization.mode().name());
        arch.put("normalization.features", Integer.toString(normalization.features()));
        Map<String, Tensor> tensors = model.tensorsByName();
        FiniteTensors.require("save", tensors);
        Map<String, Tensor> stats = new LinkedHashMap<>();
        try (Arena scratch = Arena.ofConfined()) {
            float[] mean = normalization.mean();
            float[] std = normalization.std();
            stats.put("mean", Tensor.of(scratch, mean, mean.length));
            stats.put("std", Tensor.of(scratch, std, std.length));
            List<Section> sections = new ArrayList<>();
            sections.add(new Section(ARCH, KeyValues.encode(arch)));
            sections.add(new Section(META, KeyValues.encode(meta)));
            sections.add(new Section(NORM, TensorTable.encode(stats)));
            sections.add(new Section(TENS, TensorTable.encode(tensors)));
            return sections;
        }
    }

    /**
     * Loads a model file into {@code arena} (in the dtype it was saved from), validating everything first. An ONNX
     * file (told by its first bytes, else by a name ending in {@code .onnx}) is read as ONNX instead: the multilayer
     * perceptrons PyTorch and
     * {@link OnnxExport} write, as a float32 model with no optimizer state (what is accepted: see the README's ONNX
     * section); that needs the optional ONNX classes, and without them throws IllegalStateException saying so.
     */
    public static LoadedModel load(Path file, Arena arena) throws IOException {
        if (arena == null) {
            throw new IllegalArgumentException("load " + file + ": arena is null");
        }
        ModelFile.requireRegularFile(file);
        if (OnnxSupport.isOnnx(file)) {
            OnnxSupport.require("reading the ONNX model " + file);
            return OnnxReader.load(file, arena);
        }
        Decoded d = decode(file);
        Model model = Model.build(d.spec, d.dtype, arena);
        try {
            for (Parameter p : model.parameters()) {
                TensorTable.copyInto(file, d.tensors.get(p.name()), p.value());
            }
            for (NamedTensor s : model.state()) {
                TensorTable.copyInto(file, d.tensors.get(s.name()), s.tensor());
            }
        } catch (ModelFormatException | RuntimeException e) {
            model.close();
            throw e;
        }
        return new LoadedModel(model, d.normalization, metadata(d), d.hasOptimizer);
    }

    /** What {@link #describe} reads from a model file: everything but the weights themselves. */
    public record Description(ModelSpec spec, DType dtype, Normalization.Mode normalization, ModelMetadata metadata,
                              long parameters, boolean checkpoint) {}

    /** Reads and validates a model file completely, without allocating a model: for {@code gatun inspect}. */
    public static Description describe(Path file) throws IOException {
        ModelFile.requireRegularFile(file);
        if (OnnxSupport.isOnnx(file)) {
            OnnxSupport.require("reading the ONNX model " + file);
            OnnxReader.Decoded d = OnnxReader.decode(file);
            return new Description(d.spec(), DType.F32, d.normalization().mode(), d.metadata(), parameters(d.spec()),
                    false);
        }
        Decoded d = decode(file);
        return new Description(d.spec, d.dtype, d.normalization.mode(), metadata(d), parameters(d.spec), d.hasOptimizer);
    }

    private static long parameters(ModelSpec spec) {
        long parameters = 0;
        for (Map.Entry<String, long[]> e : expectedTensors(spec).entrySet()) {
            if (!e.getKey().startsWith("running_")) { // running statistics are state, not parameters
                parameters += Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            }
        }
        return parameters;
    }

    /** The metadata of a decoded file. */
    private static ModelMetadata metadata(Decoded d) {
        return ModelMetadata.of(d.metadata, d.spec.inputs());
    }

    /**
     * Restores a checkpoint's optimizer state and step counters into {@code optimizer} (and {@link Model#setStep}
     * on {@code model}), whose parameters must be the checkpoint's. The optimizer must be of the same kind with the
     * same β₁, β₂ and ε; its learning rate is set to the saved one. Fails with a {@link ModelFormatException} when
     * the file holds no optimizer section, with IllegalArgumentException when the optimizer or model differ.
     */
    public static void restoreOptimizer(Path file, Model model, Optimizer optimizer) throws IOException {
        if (model == null || optimizer == null) {
            throw new IllegalArgumentException("restoreOptimizer " + file + ": model and optimizer must not be null");
        }
        List<Section> sections = ModelFile.read(file);
        if (sections.stream().noneMatch(s -> s.tag().equals(OPTM))) {
            throw new ModelFormatException(file, "holds no optimizer state (section " + OPTM
                    + " is missing): it was saved as a model, not a training checkpoint");
        }
        Map<String, String> hyper = KeyValues.decode(file, OPTM, ModelFile.require(file, sections, OPTM).payload());
        Optimizer.Kind kind = parseKind(file, field(file, hyper, "kind"));
        if (kind != optimizer.kind()) {
            throw new IllegalArgumentException(file + " holds " + kind + " optimizer state, cannot restore it into "
                    + optimizer);
        }
        double learningRate = parseDouble(file, hyper, "learning_rate");
        requireSame(file, "beta1", parseDouble(file, hyper, "beta1"), optimizer.beta1(), optimizer);
        requireSame(file, "beta2", parseDouble(file, hyper, "beta2"), optimizer.beta2(), optimizer);
        requireSame(file, "epsilon", parseDouble(file, hyper, "epsilon"), optimizer.epsilon(), optimizer);
        long stepCount = parseStep(file, hyper, "step_count");
        long modelStep = parseStep(file, hyper, "model_step");
        Map<String, TensorTable.Entry> saved = TensorTable.byName(
                TensorTable.decode(file, OPTS, ModelFile.require(file, sections, OPTS).payload()));
        List<Parameter> params = model.parameters();
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Parameter p : params) {
            if (kind.hasV()) {
                expected.put(p.name() + ".v", p.value().shape());
            }
            if (kind.hasS()) {
                expected.put(p.name() + ".s", p.value().shape());
            }
        }
        // An optimizer makes its state at its first step: one saved before it holds no tensors, and its state is zeros.
        boolean neverStepped = saved.isEmpty() && stepCount == 0;
        if (!neverStepped) {
            requireExactly(file, OPTS, expected, saved);
            for (TensorTable.Entry e : saved.values()) {
                requireFinite(file, OPTS, e, e.name().endsWith(".s"));
            }
        }
        if (!Double.isFinite(learningRate) || learningRate < 0) {
            throw new ModelFormatException(file, "section " + OPTM + ": learning_rate " + learningRate
                    + " is not a finite non-negative number");
        }
        try (Arena scratch = Arena.ofConfined()) {
            List<Tensor> state = new ArrayList<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                Tensor t = Tensor.allocate(scratch, model.dtype(), e.getValue());   // zeroed
                if (!neverStepped) {
                    TensorTable.copyInto(file, saved.get(e.getKey()), t);
                }
                state.add(t);
            }
            optimizer.restore(params, stepCount, state);
        }
        optimizer.setLearningRate(learningRate);
        model.setStep(modelStep);
    }

    /** Every tensor a model of this spec holds, in the order {@link Model#parameters()} then {@link Model#state()}. */
    static Map<String, long[]> expectedTensors(ModelSpec spec) {
        Map<String, long[]> params = new LinkedHashMap<>();
        Map<String, long[]> state = new LinkedHashMap<>();
        long in = spec.inputs();
        int index = 1;
        for (var h : spec.hidden()) {
            params.put("W" + index, new long[] {h.units(), in});
            if (h.batchNorm()) {
                params.put("gamma" + index, new long[] {h.units()});
                params.put("beta" + index, new long[] {h.units()});
                state.put("running_mean" + index, new long[] {h.units()});
                state.put("running_var" + index, new long[] {h.units()});
            } else {
                params.put("b" + index, new long[] {h.units()});
            }
            in = h.units();
            index++;
        }
        params.put("W" + index, new long[] {spec.outputs(), in});
        params.put("b" + index, new long[] {spec.outputs()});
        params.putAll(state);
        return params;
    }

    private record Decoded(ModelSpec spec, DType dtype, Normalization normalization, Map<String, String> metadata,
                           Map<String, TensorTable.Entry> tensors, boolean hasOptimizer) {}

    /**
     * The file's sections, checked and decoded. A small section can decode into much more heap (a metadata section of
     * millions of one-character keys is a map of millions of entries): running out of it is this file's failure, not
     * the caller's, and says so.
     */
    private static Decoded decode(Path file) throws IOException {
        try {
            return decodeSections(file);
        } catch (OutOfMemoryError e) {
            throw ModelFormatException.outOfHeap(file, e);
        }
    }

    private static Decoded decodeSections(Path file) throws IOException {
        List<Section> sections = ModelFile.read(file);
        for (Section s : sections) {
            if (!List.of(ARCH, META, NORM, TENS, OPTM, OPTS).contains(s.tag())) {
                throw new ModelFormatException(file, "unknown section " + s.tag());
            }
        }
        boolean hasOptm = sections.stream().anyMatch(s -> s.tag().equals(OPTM));
        boolean hasOpts = sections.stream().anyMatch(s -> s.tag().equals(OPTS));
        if (hasOptm != hasOpts) {
            throw new ModelFormatException(file, "sections " + OPTM + " and " + OPTS + " come together, found only "
                    + (hasOptm ? OPTM : OPTS));
        }
        Map<String, String> arch = KeyValues.decode(file, ARCH, ModelFile.require(file, sections, ARCH).payload());
        Map<String, String> metadata = KeyValues.decode(file, META, ModelFile.require(file, sections, META).payload());
        ModelSpec spec;
        try {
            spec = ModelSpec.fromMap(arch);
        } catch (IllegalArgumentException e) {
            // The message quotes the section's values, which are the file's: cleaned and cut as FileText does.
            throw new ModelFormatException(file, "section " + ARCH + ": " + FileText.line(e.getMessage()));
        }
        String misfit = ModelMetadata.namesMisfit(metadata, spec);
        if (misfit != null) {
            throw new ModelFormatException(file, "section " + META + ": " + misfit);
        }
        DType dtype = parseEnum(file, DType.class, "dtype", field(file, arch, "dtype"));
        Normalization.Mode mode = parseEnum(file, Normalization.Mode.class, "normalization", field(file, arch, "normalization"));
        int features = (int) Math.min(Integer.MAX_VALUE, parseCount(file, arch, "normalization.features"));
        if (features != spec.inputs()) {
            throw new ModelFormatException(file, "section " + ARCH + ": normalisation covers " + features
                    + " features but the model takes " + spec.inputs() + " inputs");
        }
        Map<String, TensorTable.Entry> norm = TensorTable.byName(
                TensorTable.decode(file, NORM, ModelFile.require(file, sections, NORM).payload()));
        int statistics = mode == Normalization.Mode.STANDARDIZE_PER_FEATURE ? features : 1;
        requireExactly(file, NORM, Map.of("mean", new long[] {statistics}, "std", new long[] {statistics}), norm);
        Map<String, TensorTable.Entry> tensors = TensorTable.byName(
                TensorTable.decode(file, TENS, ModelFile.require(file, sections, TENS).payload()));
        requireExactly(file, TENS, expectedTensors(spec), tensors);
        for (TensorTable.Entry e : tensors.values()) {
            requireFinite(file, TENS, e, e.name().startsWith("running_var"));
        }
        // Built only now: a normalisation takes heap per input, and the input count is only as true as the weights
        // the file holds for it (a 300-byte file can claim two billion inputs with one global mean and std).
        Normalization normalization;
        try {
            normalization = Normalization.of(mode, features, norm.get("mean").values(), norm.get("std").values());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "section " + NORM + ": " + e.getMessage());
        }
        return new Decoded(spec, dtype, normalization, metadata, tensors, hasOptm);
    }

    /** The table holds exactly the expected names, each with the expected shape. */
    private static void requireExactly(Path file, String tag, Map<String, long[]> expected,
                                       Map<String, TensorTable.Entry> found) throws ModelFormatException {
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorTable.Entry entry = found.get(e.getKey());
            if (entry == null) {
                throw new ModelFormatException(file, "section " + tag + ": tensor " + e.getKey() + " "
                        + Shapes.format(e.getValue()) + " is missing (holds " + found.size() + " tensors "
                        + FileText.list(found.keySet()) + ", the architecture needs " + expected.size() + ")");
            }
            if (!Arrays.equals(entry.shape(), e.getValue())) {
                throw new ModelFormatException(file, "section " + tag + ": tensor " + e.getKey() + " has shape "
                        + Shapes.format(entry.shape()) + " but the architecture needs " + Shapes.format(e.getValue()));
            }
        }
        for (String name : found.keySet()) {
            if (!expected.containsKey(name)) {
                throw new ModelFormatException(file, "section " + tag + ": tensor " + FileText.quote(name)
                        + " is not part of this architecture (expected exactly " + FileText.list(expected.keySet()) + ")");
            }
        }
    }

    private static void requireFinite(Path file, String tag, TensorTable.Entry e, boolean nonNegative)
            throws ModelFormatException {
        float[] values = e.values();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i]) || (nonNegative && values[i] < 0)) {
                throw new ModelFormatException(file, "section " + tag + ": tensor " + e.name() + " element " + i + " is "
                        + values[i] + ", expected a finite" + (nonNegative ? " non-negative" : "") + " value");
            }
        }
    }

    private static void requireSame(Path file, String what, double saved, double mine, Optimizer optimizer) {
        if (Double.doubleToLongBits(saved) != Double.doubleToLongBits(mine)) {
            throw new IllegalArgumentException(file + " was saved with " + what + " " + saved + ", cannot restore it into "
                    + optimizer + " (" + what + " " + mine + ")");
        }
    }

    private static String field(Path file, Map<String, String> map, String key) throws ModelFormatException {
        String value = map.get(key);
        if (value == null) {
            throw new ModelFormatException(file, "field '" + key + "' is missing");
        }
        return value.strip();
    }

    /**
     * Steps beyond 2^53 are no run's (a step a microsecond would take 285 years to get there), and Adam's bias
     * correction takes β^t in double, exact for whole numbers up to 2^53: such a count was written by hand, and
     * Long.MAX_VALUE would overflow into a negative step at the first update, far from the file it came from.
     */
    private static final long MAX_STEPS = 1L << 53;

    private static long parseStep(Path file, Map<String, String> map, String key) throws ModelFormatException {
        long steps = parseCount(file, map, key);
        if (steps > MAX_STEPS) {
            throw new ModelFormatException(file, "field '" + key + "': " + steps + " steps is more than any run takes"
                    + " (at most 2^53)");
        }
        return steps;
    }

    private static long parseCount(Path file, Map<String, String> map, String key) throws ModelFormatException {
        String value = field(file, map, key);
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ModelFormatException(file, "field '" + key + "': " + FileText.quote(value)
                    + " is not a non-negative integer");
        }
    }

    private static double parseDouble(Path file, Map<String, String> map, String key) throws ModelFormatException {
        String value = field(file, map, key);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new ModelFormatException(file, "field '" + key + "': " + FileText.quote(value) + " is not a number");
        }
    }

    private static Optimizer.Kind parseKind(Path file, String value) throws ModelFormatException {
        return parseEnum(file, Optimizer.Kind.class, "kind", value);
    }

    private static <E extends Enum<E>> E parseEnum(Path file, Class<E> type, String key, String value)
            throws ModelFormatException {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "field '" + key + "': " + FileText.quote(value) + " is not one of "
                    + List.of(type.getEnumConstants()));
        }
    }
}

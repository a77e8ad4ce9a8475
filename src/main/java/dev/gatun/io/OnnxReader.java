package dev.gatun.io;

import static dev.gatun.io.FileText.clean;
import static dev.gatun.io.FileText.quote;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the multilayer perceptrons that ONNX exporters write (PyTorch's {@code torch.onnx.export} of an
 * {@code nn.Sequential} of Linear, ReLU, Tanh, Sigmoid, LeakyReLU, BatchNorm1d and Softmax/LogSoftmax, and
 * {@link OnnxExport}'s own files) into a Gatun model, normalisation and metadata; {@link ModelIo#load} calls it for
 * {@code .onnx} files.
 *
 * <p>Accepted: opsets {@value #MIN_OPSET} to {@value #MAX_OPSET} of the default domain; one float32 or float64 input
 * {@code [batch, features]} (or of higher rank when a {@code Flatten} with axis 1 comes first), one output; a chain
 * of {@code Gemm} (transA 0) or {@code MatMul} then {@code Add}; {@code Relu}, {@code Tanh}, {@code Sigmoid},
 * {@code LeakyRelu} (α 0.01, Gatun's); {@code BatchNormalization} in inference form; {@code Add}, {@code Sub},
 * {@code Mul}, {@code Div} by constants (before anything else they become the input normalisation, elsewhere they
 * fold into a linear layer, as batch norm does); {@code Identity}, {@code Dropout} (inference) and {@code Flatten};
 * {@code Transpose} of a constant matrix; {@code Constant} nodes and
 * float32 or float64 initialisers; a final {@code Softmax} or {@code LogSoftmax} (on the last axis; the model then
 * predicts the softmax probabilities, which are the exponentials of LogSoftmax's outputs) or {@code Sigmoid}, or
 * none (a linear output). See {@link OnnxLayers} for how the layers are folded.
 *
 * <p>Anything else is a {@link ModelFormatException} of one line naming the file, the node and the operator or
 * attribute: an unknown operator, a graph that is not a single chain (branches, cycles, nodes off the path), a
 * tensor no initialiser or node provides, a truncated or malformed protobuf, a shape that does not match its data.
 * Everything is read and checked on the heap before the model is allocated.
 */
final class OnnxReader {
    static final int MIN_OPSET = 13;
    /**
     * Opsets 18 to 25 changed the operators read here only by adding element types (bfloat16, float8, int4, float4),
     * which tensors of are refused by type anyway; PyTorch's dynamo exporter (its default since 2.9) writes 18 or later.
     */
    static final int MAX_OPSET = 25;
    /** Java arrays (and so protobuf messages read into one) end below 2 GiB. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;
    private static final Set<String> DEFAULT_DOMAINS = Set.of("", "ai.onnx");
    private static final Map<String, Set<String>> ATTRIBUTES = Map.ofEntries(
            Map.entry("Gemm", Set.of("alpha", "beta", "transA", "transB")),
            Map.entry("BatchNormalization", Set.of("epsilon", "momentum", "training_mode", "spatial")),
            Map.entry("LeakyRelu", Set.of("alpha")),
            Map.entry("Softmax", Set.of("axis")),
            Map.entry("LogSoftmax", Set.of("axis")),
            Map.entry("Flatten", Set.of("axis")),
            Map.entry("MatMul", Set.of()), Map.entry("Add", Set.of()), Map.entry("Sub", Set.of()),
            Map.entry("Mul", Set.of()), Map.entry("Div", Set.of()), Map.entry("Relu", Set.of()),
            Map.entry("Tanh", Set.of()), Map.entry("Sigmoid", Set.of()), Map.entry("Identity", Set.of()),
            Map.entry("Dropout", Set.of("seed")));
    /** The inputs each operator takes at most: more is a malformed node, not one to run with the extra ignored. */
    private static final Map<String, Integer> MAX_INPUTS = Map.ofEntries(
            Map.entry("Gemm", 3), Map.entry("BatchNormalization", 5), Map.entry("Dropout", 3), Map.entry("MatMul", 2),
            Map.entry("Add", 2), Map.entry("Sub", 2), Map.entry("Mul", 2), Map.entry("Div", 2));
    /** Operators that pass their input through at inference: the graph's last operator may come before them. */
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Dropout");

    private final Path file;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final OnnxLayers layers = new OnnxLayers();
    /**
     * Values decoded so far. Each use of an initialiser decodes it again (into doubles, kept per layer), so a file of
     * one 1000×1000 initialiser read by a thousand MatMul nodes would come to 8 GB of heap from 4 MB on disk.
     */
    private long decodedValues;

    private OnnxReader(Path file) {
        this.file = file;
    }

    /** What an ONNX file comes to: Gatun's architecture, the folded layers, the normalisation and the metadata. */
    record Decoded(ModelSpec spec, List<OnnxLayers.Dense> layers, Normalization normalization, ModelMetadata metadata) {}

    static ModelIo.LoadedModel load(Path file, Arena arena) throws IOException {
        Decoded d = decode(file);
        Model model = Model.build(d.spec(), DType.F32, arena);
        try {
            Map<String, Tensor> tensors = model.tensorsByName();
            for (int l = 0; l < d.layers().size(); l++) {
                OnnxLayers.Dense dense = d.layers().get(l);
                tensors.get("W" + (l + 1)).copyFrom(toFloats(dense.W()));
                tensors.get("b" + (l + 1)).copyFrom(toFloats(dense.b()));
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return new ModelIo.LoadedModel(model, d.normalization(), d.metadata(), false);
    }

    /**
     * The file's model, refused here (not only in {@link #load}) where a folded value does not fit float32:
     * {@code describe} (gatun inspect) called such a file valid that every load refused.
     */
    static Decoded decode(Path file) throws IOException {
        Decoded d;
        try {
            d = new OnnxReader(file).decode(parse(file));
        } catch (OutOfMemoryError e) {
            throw ModelFormatException.outOfHeap(file, e);
        }
        for (int l = 0; l < d.layers().size(); l++) {
            requireFloat32(file, d.layers().get(l).W(), "layer " + (l + 1) + "'s weights");
            requireFloat32(file, d.layers().get(l).b(), "layer " + (l + 1) + "'s bias");
        }
        return d;
    }

    private static ModelProto parse(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new ModelFormatException(file, "is " + size + " bytes; an ONNX protobuf holds less than 2 GiB "
                    + "(weights in external files are not supported)");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ModelFormatException(file, "is not an ONNX model (a ModelProto protobuf): " + e.getMessage());
        }
    }

    private Decoded decode(ModelProto proto) throws ModelFormatException {
        if (!proto.hasGraph()) {
            throw new ModelFormatException(file, "holds no graph: not an ONNX model");
        }
        requireOpset(proto);
        GraphProto graph = proto.getGraph();
        if (graph.getSparseInitializerCount() > 0) {
            throw new ModelFormatException(file, "sparse initialisers are not supported");
        }
        for (TensorProto t : graph.getInitializerList()) {
            if (constants.put(t.getName(), t) != null) {
                throw new ModelFormatException(file, "initialiser " + quote(t.getName()) + " appears twice");
            }
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            if (!DEFAULT_DOMAINS.contains(node.getDomain())) {
                throw new ModelFormatException(file, where(node) + ": operator " + clean(node.getDomain() + "."
                        + node.getOpType()) + " is not supported (only the default ONNX domain is)");
            }
            boolean constantTranspose = node.getOpType().equals("Transpose") && node.getInputCount() == 1
                    && constants.containsKey(node.getInput(0));
            if (node.getOpType().equals("Constant") || constantTranspose) {
                String name = single(node);
                TensorProto value = constantTranspose ? transposedConstant(node) : constantValue(node);
                if (constants.put(name, value) != null) {
                    // ONNX names every value once (SSA); taking the last would load weights no other runtime would
                    throw new ModelFormatException(file, where(node) + ": its output " + quote(name)
                            + " is already an initialiser's or another Constant's name");
                }
            } else {
                nodes.add(node);
            }
        }
        ValueInfoProto input = dataInput(graph);
        if (graph.getOutputCount() != 1) {
            throw new ModelFormatException(file, "the graph has " + graph.getOutputCount()
                    + " outputs; exactly one is supported");
        }
        String output = graph.getOutput(0).getName();
        List<NodeProto> chain = OnnxChain.of(file, input.getName(), output, nodes, constants.keySet());
        long[] inputShape = shape(input);
        int rank = inputShape == null ? 2 : inputShape.length;
        int lastOperator = chain.size() - 1;
        while (lastOperator > 0 && PASS_THROUGH.contains(chain.get(lastOperator).getOpType())) {
            lastOperator--;
        }
        for (int k = 0; k < chain.size(); k++) {
            NodeProto node = chain.get(k);
            try {
                single(node);   // one output each: a second one (batch norm's training statistics, say) is refused
                rank = apply(node, rank, k == lastOperator);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, where(node) + ": " + e.getMessage());
            }
        }
        try {
            ModelSpec spec = layers.spec();
            requireInputWidth(inputShape, spec.inputs());
            Map<String, String> metadata = new LinkedHashMap<>();
            for (StringStringEntryProto p : proto.getMetadataPropsList()) {
                // The ONNX checker refuses a repeated key, as Gatun's own files do: which value wins is not defined.
                if (metadata.put(p.getKey(), p.getValue()) != null) {
                    throw new ModelFormatException(file, "metadata_props: the key " + quote(p.getKey())
                            + " appears more than once");
                }
            }
            // As for Gatun files: a service's names.get(classify(x)) must not go out of range.
            String misfit = ModelMetadata.namesMisfit(metadata, spec);
            if (misfit != null) {
                throw new ModelFormatException(file, "metadata_props: " + misfit + " (names are separated by tabs)");
            }
            return new Decoded(spec, layers.layers(), normalization(layers.normalization(), spec.inputs()),
                    ModelMetadata.of(metadata, spec.inputs()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private void requireOpset(ModelProto proto) throws ModelFormatException {
        long opset = -1;
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (DEFAULT_DOMAINS.contains(o.getDomain())) {
                opset = o.getVersion();
            }
        }
        if (opset < 0) {
            throw new ModelFormatException(file, "declares no opset of the default ONNX domain");
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new ModelFormatException(file, "uses opset " + opset + "; opsets " + MIN_OPSET + " to " + MAX_OPSET
                    + " are supported");
        }
    }

    /** The one graph input that is not an initialiser (older exporters list initialisers as inputs too). */
    private ValueInfoProto dataInput(GraphProto graph) throws ModelFormatException {
        List<ValueInfoProto> inputs = graph.getInputList().stream().filter(i -> !constants.containsKey(i.getName())).toList();
        if (inputs.size() != 1) {
            throw new ModelFormatException(file, "the graph has " + inputs.size() + " data inputs "
                    + inputs.stream().map(i -> quote(i.getName())).toList() + "; exactly one is supported");
        }
        ValueInfoProto input = inputs.getFirst();
        TypeProto type = input.getType();
        if (!type.hasTensorType()) {
            throw new ModelFormatException(file, "input " + quote(input.getName()) + " is not a tensor");
        }
        int elem = type.getTensorType().getElemType();
        if (elem != TensorProto.DataType.FLOAT_VALUE && elem != TensorProto.DataType.DOUBLE_VALUE) {
            throw new ModelFormatException(file, "input " + quote(input.getName()) + " has element type "
                    + OnnxTensors.typeName(elem) + "; FLOAT and DOUBLE are supported");
        }
        return input;
    }

    /** The input's declared dimensions (0 where only a name or nothing is given), or null when it declares no shape. */
    private static long[] shape(ValueInfoProto input) {
        TypeProto.Tensor t = input.getType().getTensorType();
        if (!t.hasShape()) {
            return null;
        }
        List<TensorShapeProto.Dimension> dims = t.getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int k = 0; k < shape.length; k++) {
            shape[k] = dims.get(k).hasDimValue() ? dims.get(k).getDimValue() : 0;
        }
        return shape;
    }

    private static void requireInputWidth(long[] shape, int inputs) {
        if (shape == null || shape.length < 2) {
            return;
        }
        long features = 1;
        for (int k = 1; k < shape.length; k++) {
            if (shape[k] <= 0) {
                return; // a symbolic dimension: the first layer says
            }
            features = Math.multiplyHigh(features, shape[k]) != 0 ? Long.MAX_VALUE : features * shape[k];
        }
        if (features != inputs) {
            throw new IllegalArgumentException("the input declares " + features + " features per row but the first "
                    + "linear layer takes " + inputs);
        }
    }

    /** Applies one operator to the layers; returns the rank of its output. */
    private int apply(NodeProto node, int rank, boolean last) throws ModelFormatException {
        String op = node.getOpType();
        Set<String> known = ATTRIBUTES.get(op);
        if (known == null) {
            throw new IllegalArgumentException("operator " + clean(op) + " is not supported (supported: "
                    + ATTRIBUTES.keySet().stream().sorted().toList() + ")");
        }
        Set<String> seen = new java.util.HashSet<>();
        for (AttributeProto a : node.getAttributeList()) {
            if (!known.contains(a.getName())) {
                throw new IllegalArgumentException("attribute " + quote(a.getName()) + " of " + op + " is not supported");
            }
            // The ONNX checker refuses a repeated attribute; a runtime that reads the other copy computes another model.
            if (!seen.add(a.getName())) {
                throw new IllegalArgumentException("attribute " + quote(a.getName()) + " of " + op
                        + " appears more than once");
            }
        }
        int maxInputs = MAX_INPUTS.getOrDefault(op, 1);
        if (node.getInputCount() > maxInputs) {
            throw new IllegalArgumentException(op + " takes at most " + maxInputs + " input" + (maxInputs == 1 ? "" : "s")
                    + ", this node has " + node.getInputCount());
        }
        if (op.equals("Flatten")) {
            requireAttribute(node, "axis", 1, 1);
            if (rank < 2) {
                // ONNX flattens a rank-1 [n] to [n, 1]: n samples of one feature, not one sample of n.
                throw new IllegalArgumentException("Flatten gets a rank-" + rank + " tensor; only [batch, ...] inputs"
                        + " are supported");
            }
            return 2;
        }
        if (rank != 2 && !PASS_THROUGH.contains(op)) {
            throw new IllegalArgumentException(op + " gets a rank-" + rank + " tensor; only [batch, features] is "
                    + "supported (a Flatten with axis 1 first makes it so)");
        }
        switch (op) {
            case "Identity" -> { }
            case "Dropout" -> requireInference(node);
            case "Gemm" -> gemm(node);
            case "MatMul" -> matMul(node);
            case "Add", "Sub", "Mul", "Div" -> layers.affine(elementwise(node), true);
            case "BatchNormalization" -> layers.affine(batchNorm(node), false);
            case "Relu" -> layers.activation(Activation.RELU, op);
            case "Tanh" -> layers.activation(Activation.TANH, op);
            case "LeakyRelu" -> {
                double alpha = floatAttribute(node, "alpha", 0.01f);
                if (alpha != (float) Activation.LEAKY_SLOPE) {
                    throw new IllegalArgumentException("LeakyRelu with alpha " + alpha + " is not supported (Gatun's "
                            + "leaky ReLU has slope " + Activation.LEAKY_SLOPE + ")");
                }
                layers.activation(Activation.LEAKY_RELU, op);
            }
            case "Sigmoid" -> {
                if (last) {
                    layers.output(Loss.BINARY_CROSS_ENTROPY, op);
                } else {
                    layers.activation(Activation.SIGMOID, op);
                }
            }
            case "Softmax", "LogSoftmax" -> {
                long axis = intAttribute(node, "axis", -1);
                if (axis != -1 && axis != 1) {
                    throw new IllegalArgumentException(op + " over axis " + axis + " is not supported (only the last, "
                            + "the features)");
                }
                if (!last) {
                    throw new IllegalArgumentException(op + " is supported only as the graph's last operator");
                }
                layers.output(Loss.SOFTMAX_CROSS_ENTROPY, op);
            }
            default -> throw new IllegalStateException("operator " + op + " is listed but not handled");
        }
        return PASS_THROUGH.contains(op) ? rank : 2;   // Identity and Dropout keep the shape they were given
    }

    private void gemm(NodeProto node) throws ModelFormatException {
        requireDataFirst(node);
        if (intAttribute(node, "transA", 0) != 0) {
            throw new IllegalArgumentException("Gemm with transA 1 is not supported");
        }
        boolean transB = requireAttribute(node, "transB", 0, 1) == 1;
        double alpha = floatAttribute(node, "alpha", 1f);
        double beta = floatAttribute(node, "beta", 1f);
        // Folded into the weights, a NaN or infinite factor was reported later as a weight "beyond float32's range".
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("Gemm with alpha " + alpha + " and beta " + beta
                    + ": both must be finite");
        }
        OnnxTensors.Values B = constant(node, 1);
        double[] W = weights(B, transB);
        int out = (int) B.shape()[transB ? 0 : 1];
        int in = (int) B.shape()[transB ? 1 : 0];
        for (int k = 0; k < W.length; k++) {
            W[k] *= alpha;
        }
        double[] b = new double[out];
        if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
            double[] c = vector(constant(node, 2), out, "bias C");
            for (int o = 0; o < out; o++) {
                b[o] = beta * c[o];
            }
        }
        layers.linear(in, out, W, b);
    }

    private void matMul(NodeProto node) throws ModelFormatException {
        requireDataFirst(node);
        OnnxTensors.Values B = constant(node, 1);
        // The rank is checked (in weights) before the shape is read: a 1-D B, valid ONNX (x @ w gives a vector),
        // escaped as an index exception naming neither the file nor the node.
        double[] W = weights(B, false);
        layers.linear((int) B.shape()[0], (int) B.shape()[1], W, new double[(int) B.shape()[1]]);
    }

    /** W as Gatun's (out, in) row-major from a rank-2 B that is (out, in) when transposed, else (in, out). */
    private static double[] weights(OnnxTensors.Values B, boolean transposed) {
        if (B.rank() != 2 || B.shape()[0] == 0 || B.shape()[1] == 0) {
            throw new IllegalArgumentException("weights " + B.describe() + " are not a non-empty matrix");
        }
        if (transposed) {
            return B.values();
        }
        int in = (int) B.shape()[0];
        int out = (int) B.shape()[1];
        double[] W = new double[in * out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                W[o * in + i] = B.values()[i * out + o];
            }
        }
        return W;
    }

    /** Add, Sub, Mul or Div of the flowing tensor and a constant, as {@code x·scale + shift}. */
    private OnnxLayers.Affine elementwise(NodeProto node) throws ModelFormatException {
        String op = node.getOpType();
        if (node.getInputCount() != 2) {
            throw new IllegalArgumentException(op + " needs two inputs, has " + node.getInputCount());
        }
        boolean dataFirst = !constants.containsKey(node.getInput(0));
        OnnxTensors.Values c = constant(node, dataFirst ? 1 : 0);
        if (c.rank() > 2 || (c.rank() == 2 && c.shape()[0] != 1) || c.values().length == 0) {
            throw new IllegalArgumentException(op + " by a constant of shape " + c.describe() + " is not supported "
                    + "(one value, or one per feature)");
        }
        double[] v = c.values();
        double[] ones = new double[v.length];
        java.util.Arrays.fill(ones, 1);
        double[] zeros = new double[v.length];
        return switch (op) {
            case "Add" -> new OnnxLayers.Affine(ones, v);
            case "Mul" -> new OnnxLayers.Affine(v, zeros);
            case "Sub" -> dataFirst ? new OnnxLayers.Affine(ones, negate(v)) : new OnnxLayers.Affine(negate(ones), v);
            default -> {
                if (!dataFirst) {
                    throw new IllegalArgumentException("Div of a constant by the features is not an affine map: not supported");
                }
                double[] inverse = new double[v.length];
                for (int j = 0; j < v.length; j++) {
                    if (v[j] == 0) {
                        throw new IllegalArgumentException("Div by a constant whose element " + j + " is 0");
                    }
                    inverse[j] = 1 / v[j];
                }
                yield new OnnxLayers.Affine(inverse, zeros);
            }
        };
    }

    /** Inference batch norm {@code γ·(x − μ)/√(σ² + ε) + β} as {@code x·s + (β − μ·s)}. */
    private OnnxLayers.Affine batchNorm(NodeProto node) throws ModelFormatException {
        requireDataFirst(node);
        if (intAttribute(node, "training_mode", 0) != 0) {
            throw new IllegalArgumentException("BatchNormalization in training mode is not supported");
        }
        requireAttribute(node, "spatial", 1, 1);
        if (node.getInputCount() != 5) {
            throw new IllegalArgumentException("BatchNormalization needs 5 inputs (X, scale, B, mean, var), has "
                    + node.getInputCount());
        }
        double epsilon = floatAttribute(node, "epsilon", 1e-5f);
        OnnxTensors.Values scale = constant(node, 1);
        int channels = scale.values().length;
        double[] gamma = vector(scale, channels, "scale");
        double[] beta = vector(constant(node, 2), channels, "B");
        double[] mean = vector(constant(node, 3), channels, "mean");
        double[] var = vector(constant(node, 4), channels, "var");
        double[] s = new double[channels];
        double[] t = new double[channels];
        for (int j = 0; j < channels; j++) {
            if (!(var[j] + epsilon > 0)) {
                throw new IllegalArgumentException("BatchNormalization channel " + j + ": var + epsilon = "
                        + (var[j] + epsilon) + ", expected a positive value");
            }
            s[j] = gamma[j] / Math.sqrt(var[j] + epsilon);
            t[j] = beta[j] - mean[j] * s[j];
        }
        return new OnnxLayers.Affine(s, t);
    }

    /** A constant's values as {@code length} values: a vector of that length, or one value broadcast. */
    private static double[] vector(OnnxTensors.Values v, int length, String what) {
        boolean fits = (v.values().length == length && (v.rank() == 1 || (v.rank() == 2 && v.shape()[0] == 1)))
                || (v.values().length == 1 && v.rank() <= 2);
        if (!fits || length == 0) {
            throw new IllegalArgumentException(what + " " + v.describe() + " does not fit " + length + " features");
        }
        if (v.values().length == length) {
            return v.values();
        }
        double[] all = new double[length];
        java.util.Arrays.fill(all, v.values()[0]);
        return all;
    }

    private static double[] negate(double[] v) {
        double[] n = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            n[j] = -v[j];
        }
        return n;
    }

    private void requireDataFirst(NodeProto node) {
        if (node.getInputCount() < 2 || constants.containsKey(node.getInput(0))) {
            throw new IllegalArgumentException(node.getOpType() + " must take the features as its first input and "
                    + "constants after");
        }
    }

    /** Input {@code index} of the node, which must be an initialiser or a Constant node's value. */
    private OnnxTensors.Values constant(NodeProto node, int index) throws ModelFormatException {
        String name = node.getInput(index);
        TensorProto t = constants.get(name);
        if (t == null) {
            throw new IllegalArgumentException("input " + index + " " + quote(name) + " of " + node.getOpType()
                    + " must be an initialiser or a Constant, not a computed tensor");
        }
        OnnxTensors.Values values = OnnxTensors.read(file, "tensor", t);
        countDecoded(node, values);
        return values;
    }

    /**
     * Dropout at inference is the identity. Its optional third input switches it to training, where it drops units
     * at random: that input must be absent, empty, or a constant false.
     */
    private void requireInference(NodeProto node) throws ModelFormatException {
        if (node.getInputCount() < 3 || node.getInput(2).isEmpty()) {
            return;
        }
        OnnxTensors.Values mode = constantOfAnyType(node, 2);
        if (mode == null || mode.values().length != 1 || mode.values()[0] != 0) {
            throw new IllegalArgumentException("Dropout in training mode (its training_mode input "
                    + quote(node.getInput(2)) + " is not a constant false) is not supported");
        }
    }

    /** A constant boolean or number input read as doubles, or null when the input is computed. */
    private OnnxTensors.Values constantOfAnyType(NodeProto node, int index) throws ModelFormatException {
        TensorProto t = constants.get(node.getInput(index));
        if (t == null) {
            return null;
        }
        if (t.getDataType() == TensorProto.DataType.BOOL_VALUE) {
            long count = t.getRawData().isEmpty() ? t.getInt32DataCount() : t.getRawData().size();
            boolean any = false;
            for (int i = 0; i < t.getInt32DataCount(); i++) {
                any |= t.getInt32Data(i) != 0;
            }
            for (byte b : t.getRawData().toByteArray()) {
                any |= b != 0;
            }
            return count == 1 ? new OnnxTensors.Values(t.getName(), new long[0], new double[] {any ? 1 : 0}) : null;
        }
        return OnnxTensors.read(file, "tensor", t);
    }

    /** {@code Transpose} of a constant matrix, as the constant it computes. */
    private TensorProto transposedConstant(NodeProto node) throws ModelFormatException {
        TensorProto t = constants.get(node.getInput(0));
        OnnxTensors.Values values = OnnxTensors.read(file, "tensor", t);
        AttributeProto perm = null;
        for (AttributeProto a : node.getAttributeList()) {
            if (!a.getName().equals("perm") || a.getType() != AttributeProto.AttributeType.INTS) {
                throw new ModelFormatException(file, where(node) + ": attribute " + quote(a.getName())
                        + " of Transpose is not supported");
            }
            if (perm != null) {
                throw new ModelFormatException(file, where(node) + ": attribute 'perm' of Transpose appears more than once");
            }
            perm = a;
        }
        if (values.rank() != 2 || (perm != null && !perm.getIntsList().equals(List.of(1L, 0L)))) {
            throw new ModelFormatException(file, where(node) + ": Transpose of " + values.describe()
                    + (perm == null ? "" : " with perm " + perm.getIntsList()) + " is not supported (only a matrix's, perm [1, 0])");
        }
        countDecoded(node, values);
        return OnnxTensors.transposed(single(node), t, values);
    }

    /** Counts {@code values} against the decode budget: every use decodes a constant again, into heap doubles. */
    private void countDecoded(NodeProto node, OnnxTensors.Values values) throws ModelFormatException {
        decodedValues += values.values().length;
        if (decodedValues > Runtime.getRuntime().maxMemory() / 2 / Double.BYTES) {
            throw new ModelFormatException(file, where(node) + ": the graph's constants come to " + decodedValues
                    + " values so far, more than half of this JVM's heap of " + ModelFormatException.heapMegabytes() + " MB holds as"
                    + " doubles (each node reading an initialiser decodes it again; GATUN_JAVA_OPTS=-Xmx... raises it)");
        }
    }

    private TensorProto constantValue(NodeProto node) throws ModelFormatException {
        if (node.getAttributeCount() != 1 || !node.getAttribute(0).getName().equals("value")
                || node.getAttribute(0).getType() != AttributeProto.AttributeType.TENSOR) {
            throw new ModelFormatException(file, where(node) + ": only a Constant with one tensor attribute 'value' "
                    + "is supported, this one has " + node.getAttributeList().stream().map(a -> quote(a.getName())).toList());
        }
        return node.getAttribute(0).getT().toBuilder().setName(single(node)).build();
    }

    private String single(NodeProto node) throws ModelFormatException {
        long outputs = node.getOutputList().stream().filter(o -> !o.isEmpty()).count();
        if (outputs != 1 || node.getOutput(0).isEmpty()) {
            throw new ModelFormatException(file, where(node) + " has " + outputs + " outputs; operators with exactly "
                    + "one are supported (BatchNormalization in training mode has three)");
        }
        return node.getOutput(0);
    }

    private static long requireAttribute(NodeProto node, String name, long min, long max) {
        long value = intAttribute(node, name, min);
        if (value < min || value > max) {
            throw new IllegalArgumentException(node.getOpType() + " with " + name + " " + value + " is not supported");
        }
        return value;
    }

    private static long intAttribute(NodeProto node, String name, long fallback) {
        AttributeProto a = attribute(node, name, AttributeProto.AttributeType.INT);
        return a == null ? fallback : a.getI();
    }

    private static double floatAttribute(NodeProto node, String name, float fallback) {
        AttributeProto a = attribute(node, name, AttributeProto.AttributeType.FLOAT);
        return a == null ? fallback : a.getF();
    }

    private static AttributeProto attribute(NodeProto node, String name, AttributeProto.AttributeType type) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                if (a.getType() != type) {
                    throw new IllegalArgumentException("attribute '" + name + "' of " + node.getOpType() + " is "
                            + a.getType() + ", expected " + type);
                }
                return a;
            }
        }
        return null;
    }

    static String where(NodeProto node) {
        return "node " + quote(node.getName()) + " (" + clean(node.getOpType()) + ")";
    }

    /** The normalisation that {@code x·scale + shift} is: mean {@code −shift/scale}, std {@code 1/scale}. */
    private static Normalization normalization(OnnxLayers.Affine map, int features) {
        float[] mean = new float[features];
        float[] std = new float[features];
        boolean uniform = true;
        for (int j = 0; j < features; j++) {
            std[j] = (float) (1 / map.scale(j));
            mean[j] = (float) (-map.shift(j) / map.scale(j)) + 0f; // + 0f: a zero shift gives mean 0, not −0
            uniform &= mean[j] == mean[0] && std[j] == std[0];
        }
        Normalization.Mode mode;
        if (!uniform) {
            mode = Normalization.Mode.STANDARDIZE_PER_FEATURE;
        } else if (mean[0] == 0 && std[0] == 1) {
            mode = Normalization.Mode.NONE;
        } else if (mean[0] == 0 && std[0] == 255) {
            mode = Normalization.Mode.SCALE_TO_UNIT;
        } else {
            mode = Normalization.Mode.STANDARDIZE_GLOBAL;
        }
        try {
            return uniform ? Normalization.of(mode, features, new float[] {mean[0]}, new float[] {std[0]})
                    : Normalization.of(mode, features, mean, std);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the input's leading Add/Sub/Mul/Div are not a normalisation Gatun "
                    + "keeps: " + e.getMessage());
        }
    }

    /**
     * A folded layer that float32 holds: a float64 initialiser of 1e39, or a product folded from finite factors,
     * would otherwise become ±Inf and every prediction NaN.
     */
    private static void requireFloat32(Path file, double[] values, String what) throws ModelFormatException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite((float) values[i])) {
                throw new ModelFormatException(file, what + " element " + i + " is " + values[i] + " (after folding"
                        + " the graph's constants into it), beyond float32's range of ±" + Float.MAX_VALUE);
            }
        }
    }

    /** The folded layer in float32; {@link #decode} has checked that every value fits. */
    private static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}

package dev.gatun.io;

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
import dev.gatun.Gatun;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.BatchNorm;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.tensor.Tensor;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the ONNX protobuf that {@link OnnxExport} describes; loaded only once {@link OnnxSupport} found the classes. */
final class OnnxWriter {
    private OnnxWriter() {}

    /** The ONNX model's protobuf bytes. */
    static byte[] toBytes(Model model, Normalization normalization, Map<String, String> metadata) {
        requireFits(model.tensorsByName());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelMetadata.VERSION, Gatun.version());
        meta.put(ModelMetadata.CREATED, Instant.now().toString());
        meta.putAll(metadata);
        ModelProto.Builder onnx = ModelProto.newBuilder()
                .setIrVersion(OnnxExport.IR_VERSION)
                .setProducerName("gatun")
                .setProducerVersion(Gatun.version())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExport.OPSET))
                .setGraph(graph(model, normalization));
        meta.forEach((k, v) -> onnx.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return onnx.build().toByteArray();
    }

    /**
     * A protobuf message is at most 2 GiB, and this writer keeps every weight in the file (no external data): a
     * larger model is refused by its size here rather than failing inside the encoder ("capacity < 0").
     */
    static void requireFits(Map<String, Tensor> tensors) {
        long values = 0;
        for (Tensor t : tensors.values()) {
            values += t.size();
        }
        long bytes = 4 * values;
        if (bytes > MAX_WEIGHT_BYTES) {
            throw new IllegalArgumentException("the model's " + values + " values come to " + bytes + " bytes as"
                    + " float32; an ONNX file holds at most 2 GiB (protobuf's limit), and Gatun does not write external"
                    + " data");
        }
    }

    /** What the weights may take of the 2 GiB, leaving room for the graph, names and metadata. */
    static final long MAX_WEIGHT_BYTES = Integer.MAX_VALUE - (1L << 20);

    private static GraphProto graph(Model model, Normalization normalization) {
        Map<String, Tensor> tensors = model.tensorsByName();
        ModelSpec spec = model.spec();
        Graph g = new Graph();
        String x = OnnxExport.INPUT;
        if (normalization.mode() != Normalization.Mode.NONE) {
            g.constant("norm_mean", normalization.mean());
            g.constant("norm_std", normalization.std());
            x = g.node("Sub", "normalize_sub", x, "norm_mean").output();
            x = g.node("Div", "normalize_div", x, "norm_std").output();
        }
        int index = 1;
        for (LayerSpec h : spec.hidden()) {
            String w = g.initializer(tensors, "W" + index);
            if (h.batchNorm()) {
                x = g.node("Gemm", "gemm" + index, x, w).addAttribute(intAttribute("transB", 1)).output();
                x = g.node("BatchNormalization", "batchnorm" + index, x, g.initializer(tensors, "gamma" + index),
                        g.initializer(tensors, "beta" + index), g.initializer(tensors, "running_mean" + index),
                        g.initializer(tensors, "running_var" + index))
                        .addAttribute(floatAttribute("epsilon", (float) BatchNorm.EPSILON)).output();
            } else {
                x = g.node("Gemm", "gemm" + index, x, w, g.initializer(tensors, "b" + index))
                        .addAttribute(intAttribute("transB", 1)).output();
            }
            x = activation(g, h.activation(), index, x);
            index++;
        }
        x = g.node("Gemm", "gemm" + index, x, g.initializer(tensors, "W" + index), g.initializer(tensors, "b" + index))
                .addAttribute(intAttribute("transB", 1)).output();
        String output = switch (spec.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> g.node("Softmax", "softmax", x).addAttribute(intAttribute("axis", 1))
                    .rename(OnnxExport.PROBABILITIES);
            case BINARY_CROSS_ENTROPY -> g.node("Sigmoid", "sigmoid", x).rename(OnnxExport.PROBABILITIES);
            case MSE -> g.node("Identity", "values", x).rename(OnnxExport.VALUES);
        };
        return g.graph.setName("gatun")
                .addInput(valueInfo(OnnxExport.INPUT, spec.inputs()))
                .addOutput(valueInfo(output, spec.outputs()))
                .build();
    }

    private static String activation(Graph g, Activation activation, int index, String x) {
        return switch (activation) {
            case IDENTITY -> x;
            case RELU -> g.node("Relu", "relu" + index, x).output();
            case TANH -> g.node("Tanh", "tanh" + index, x).output();
            case SIGMOID -> g.node("Sigmoid", "sigmoid" + index, x).output();
            case LEAKY_RELU -> g.node("LeakyRelu", "leakyrelu" + index, x)
                    .addAttribute(floatAttribute("alpha", (float) Activation.LEAKY_SLOPE)).output();
        };
    }

    /** A float32 {@code [batch, width]} graph input or output. */
    private static ValueInfoProto valueInfo(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(OnnxExport.BATCH))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** The graph under construction: nodes in order, each writing one tensor named after the node. */
    private static final class Graph {
        final GraphProto.Builder graph = GraphProto.newBuilder();

        /** Adds the model tensor {@code name} as a float32 initialiser; returns its name. */
        String initializer(Map<String, Tensor> tensors, String name) {
            Tensor t = tensors.get(name);
            graph.addInitializer(OnnxTensors.float32(name, t));
            return name;
        }

        void constant(String name, float[] values) {
            graph.addInitializer(OnnxTensors.float32(name, values, values.length));
        }

        /** A node of {@code op} whose output is its own name. */
        NodeBuilder node(String op, String name, String... inputs) {
            NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(name);
            for (String in : inputs) {
                node.addInput(in);
            }
            return new NodeBuilder(graph.addNodeBuilder().mergeFrom(node.build()));
        }
    }

    /** One node being added: its attributes, then the name of its output. */
    private record NodeBuilder(NodeProto.Builder node) {
        NodeBuilder addAttribute(AttributeProto attribute) {
            node.addAttribute(attribute);
            return this;
        }

        String output() {
            return node.getOutput(0);
        }

        /** Gives the node's output the graph output's name. */
        String rename(String name) {
            node.setOutput(0, name);
            return name;
        }
    }
}

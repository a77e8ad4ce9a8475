package dev.gatun.io;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Graphs the importer does not take, each built by hand from a valid one with one thing changed: every one is a
 * {@link ModelFormatException} of one line naming the file and the operator, attribute or tensor at fault.
 */
class OnnxRefusalTest {
    @TempDir
    Path dir;

    @Test
    void theValidGraphTheCasesStartFromLoads() throws Exception {
        try (Predictor predictor = Predictor.load(write("valid", valid().build()))) {
            float[] p = new float[2];
            predictor.predict(new float[] {1, 2, 3}, p);
            // z = W·x + b = (1·1 + 2·0 + 3·0 + 0.5, 1·0 + 2·1 + 3·0 − 0.5) = (1.5, 1.5): equal logits.
            assertArrayEquals(new float[] {0.5f, 0.5f}, p, 1e-6f);
        }
    }

    @Test
    void unsupportedOperatorsAndAttributes() throws Exception {
        refused("Conv", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Conv", "z", "y"))), "operator Conv is not supported");
        refused("alpha", m -> m.setGraph(m.getGraph().toBuilder().setNode(1,
                node("LeakyRelu", "z", "y").addAttribute(floatAttribute("alpha", 0.2f)))), "LeakyRelu with alpha 0.2");
        refused("axis", m -> m.setGraph(m.getGraph().toBuilder().setNode(1,
                node("Softmax", "z", "y").addAttribute(intAttribute("axis", 0)))), "Softmax over axis 0");
        refused("transA", m -> m.setGraph(m.getGraph().toBuilder().setNode(0,
                gemm().addAttribute(intAttribute("transA", 1)))), "transA 1");
        refused("unknownAttribute", m -> m.setGraph(m.getGraph().toBuilder().setNode(0,
                gemm().addAttribute(intAttribute("broadcast", 1)))), "attribute 'broadcast' of Gemm is not supported");
        refused("opset", m -> m.setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(11)),
                "opset 11; opsets 13 to 25");
        refused("opset26", m -> m.setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(26)),
                "opset 26; opsets 13 to 25");
        refused("batchNormOneChannel", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(1, node("BatchNormalization", "z", "n").addInput("one").addInput("zero").addInput("zero")
                        .addInput("one"))
                .addInitializer(floats("one", new float[] {1}, 1)).addInitializer(floats("zero", new float[] {0}, 1))
                .addNode(node("Softmax", "n", "y"))), "BatchNormalization of 1 channels meets 2 features");
        refused("flattenRank1", m -> m.setGraph(m.getGraph().toBuilder()
                .setInput(0, rank1Input("x", 3))
                .setNode(0, gemm().setInput(0, "flat"))
                .addNode(node("Flatten", "x", "flat").addAttribute(intAttribute("axis", 1)))),
                "Flatten gets a rank-1 tensor");
        refused("identityThenFlattenRank1", m -> m.setGraph(m.getGraph().toBuilder()
                .setInput(0, rank1Input("x", 3))
                .setNode(0, gemm().setInput(0, "flat"))
                .addNode(node("Identity", "x", "same"))
                .addNode(node("Flatten", "same", "flat").addAttribute(intAttribute("axis", 1)))),
                "Flatten gets a rank-1 tensor");
        refused("twoOutputs", m -> m.setGraph(m.getGraph().toBuilder().setNode(0, gemm().addOutput("z2"))),
                "has 2 outputs");
        refused("batchNormOnTheInput", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, gemm().setInput(0, "n"))
                .addNode(node("BatchNormalization", "x", "n").addInput("one").addInput("zero").addInput("zero")
                        .addInput("one"))
                .addInitializer(floats("one", new float[] {1}, 1)).addInitializer(floats("zero", new float[] {0}, 1))),
                "BatchNormalization of 1 channels meets 3 features");
        refused("extraInput", m -> m.setGraph(m.getGraph().toBuilder().setNode(1,
                node("Softmax", "z", "y").addInput("b"))), "Softmax takes at most 1 input, this node has 2");
        refused("transposeData", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Transpose", "z", "y"))),
                "operator Transpose is not supported");
        refused("transposePerm", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, gemm().setInput(1, "Wt").clearAttribute())
                .addNode(node("Transpose", "W", "Wt").addAttribute(AttributeProto.newBuilder().setName("perm")
                        .setType(AttributeProto.AttributeType.INTS).addInts(0).addInts(1)))), "perm [0, 1]");
        AttributeProto swap = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS)
                .addInts(1).addInts(0).build();
        refused("transposePermTwice", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, gemm().setInput(1, "Wt").clearAttribute())
                .addNode(node("Transpose", "W", "Wt").addAttribute(swap).addAttribute(swap))),
                "attribute 'perm' of Transpose appears more than once");
        refused("dropoutTraining", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Dropout", "z", "d")
                        .addInput("").addInput("training"))
                .addInitializer(TensorProto.newBuilder().setName("training").setDataType(TensorProto.DataType.BOOL_VALUE)
                        .addInt32Data(1))
                .addNode(node("Softmax", "d", "y"))), "Dropout in training mode");
        refused("domain", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Softmax", "z", "y").setDomain("com.microsoft"))),
                "com.microsoft.Softmax");
        // x @ w with a vector w is valid ONNX but gives a rank-1 output: refused by name, not an index exception.
        refused("matMulVector", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, node("MatMul", "x", "z").addInput("w1"))
                .addInitializer(floats("w1", new float[] {1, 2, 3}, 3))), "MatMul", "'w1'", "not a non-empty matrix");
        refused("matMulScalar", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, node("MatMul", "x", "z").addInput("w0"))
                .addInitializer(floats("w0", new float[] {2}))), "MatMul", "'w0'", "not a non-empty matrix");
        // Which of two copies counts is not defined (the ONNX checker refuses them): refused, not one picked.
        refused("alphaTwice", m -> m.setGraph(m.getGraph().toBuilder().setNode(0,
                gemm().addAttribute(floatAttribute("alpha", 1f)).addAttribute(floatAttribute("alpha", 2f)))),
                "attribute 'alpha' of Gemm appears more than once");
        refused("alphaNaN", m -> m.setGraph(m.getGraph().toBuilder().setNode(0,
                gemm().addAttribute(floatAttribute("alpha", Float.NaN)))), "Gemm with alpha NaN", "must be finite");
        refused("betaInfinite", m -> m.setGraph(m.getGraph().toBuilder().setNode(0,
                gemm().addAttribute(floatAttribute("beta", Float.POSITIVE_INFINITY)))), "beta Infinity");
        refused("metadataTwice", m -> m.addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("classes").setValue("a\tb"))
                .addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("classes").setValue("b\ta")), "the key 'classes' appears more than once");
        refused("reluLast", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Relu", "z", "y"))), "ends with RELU");
        refused("softmaxFirst", m -> m.setGraph(m.getGraph().toBuilder()
                .setNode(0, node("Softmax", "x", "s")).setNode(1, gemm().setInput(0, "s").setOutput(0, "y"))), "Softmax");
    }

    @Test
    void classAndFeatureNamesThatDoNotFitTheModel() throws Exception {
        refused("classes", m -> m.addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                .setKey("classes").setValue("cat,dog")), "metadata_props: 'classes' names 1 classes but the model"
                + " predicts 2 (names are separated by tabs)");
        refused("features", m -> m.addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                .setKey("feature_names").setValue("a\tb")), "'feature_names' names 2 features but the model takes 3");
        ModelProto.Builder fits = valid().addMetadataProps(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder()
                .setKey("classes").setValue("cat\tdog"));
        try (Predictor predictor = Predictor.load(write("fits", fits.build()))) {
            assertEquals(java.util.List.of("cat", "dog"), predictor.metadata().classNames());
        }
    }

    @Test
    void wrongTypesMissingTensorsAndExternalData() throws Exception {
        refused("int64", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(0,
                m.getGraph().getInitializer(0).toBuilder().setDataType(TensorProto.DataType.INT64_VALUE))), "INT64");
        refused("missing", m -> m.setGraph(m.getGraph().toBuilder().removeInitializer(0)), "reads 'W'", "no initialiser");
        refused("external", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(0,
                m.getGraph().getInitializer(0).toBuilder().setDataLocation(TensorProto.DataLocation.EXTERNAL))), "external file");
        refused("inputType", m -> m.setGraph(m.getGraph().toBuilder().setInput(0, input("x", TensorProto.DataType.INT32_VALUE, 3))),
                "element type INT32");
        refused("inputWidth", m -> m.setGraph(m.getGraph().toBuilder().setInput(0, input("x", TensorProto.DataType.FLOAT_VALUE, 4))),
                "declares 4 features", "takes 3");
        refused("nan", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(1, floats("b", new float[] {Float.NaN, 0}, 2))),
                "'b' element 0 is NaN");
        // Finite in float64, ±Inf in float32: every prediction would be NaN.
        refused("float32Range", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(1, TensorProto.newBuilder()
                        .setName("b").setDataType(TensorProto.DataType.DOUBLE_VALUE).addDims(2).addDoubleData(0)
                        .addDoubleData(-1e39).build())),
                "layer 1's bias element 1 is -1.0E39", "beyond float32's range");
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeAnythingIsAllocated() throws Exception {
        refused("huge", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(0,
                m.getGraph().getInitializer(0).toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40))), "declares shape");
        refused("overflow", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(0,
                m.getGraph().getInitializer(0).toBuilder().clearDims().addDims(Long.MAX_VALUE).addDims(3))), "declares shape");
        refused("negative", m -> m.setGraph(m.getGraph().toBuilder().setInitializer(0,
                m.getGraph().getInitializer(0).toBuilder().clearDims().addDims(-2).addDims(-3))), "negative dimension");
    }

    @Test
    void graphsThatAreNotOneChain() throws Exception {
        // Gemm → z, Relu(z) → a, Tanh(a) → z again: the walk comes back to Relu.
        refused("cycle", m -> m.setGraph(m.getGraph().toBuilder().setNode(1, node("Relu", "z", "a"))
                .addNode(node("Tanh", "a", "z"))), "cycle");
        refused("branch", m -> m.setGraph(m.getGraph().toBuilder().addNode(node("Relu", "z", "other"))), "feeds 2 nodes");
        refused("twoOutputs", m -> m.setGraph(m.getGraph().toBuilder().addOutput(output("z"))), "2 outputs");
        refused("offPath", m -> m.setGraph(m.getGraph().toBuilder().addNode(node("Relu", "dangling", "d"))), "'dangling'");
        refused("noGraph", ModelProto.Builder::clearGraph, "holds no graph");
    }

    @Test
    void aValueNamedTwiceIsRefusedNotOverwritten() throws Exception {
        // ONNX names each value once; taking the last of two would load weights ONNX Runtime refuses to run.
        refused("constantOverInitialiser", m -> m.setGraph(m.getGraph().toBuilder().addNode(0, NodeProto.newBuilder()
                .setOpType("Constant").setName("again").addOutput("W").addAttribute(AttributeProto.newBuilder()
                        .setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(floats("W", new float[] {9, 9, 9, 9, 9, 9}, 2, 3))))), "node 'again'", "'W'",
                "already");
    }

    @Test
    void filesThatAreNotOnnx() throws Exception {
        Path empty = dir.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        assertRefused(empty, "holds no graph");
        Path text = dir.resolve("text.onnx");
        Files.writeString(text, "this is not a protobuf\n\u0000\u00ff\u00fe");
        assertRefused(text, "not an ONNX model");
        Path gatun = dir.resolve("model.gatun.onnx");
        Files.write(gatun, ModelFile.MAGIC);
        assertRefused(gatun, "");
    }

    /** input x [batch, 3] → Gemm(W (2, 3), b (2), transB 1) → z → Softmax → y, opset 13. */
    static ModelProto.Builder valid() {
        GraphProto graph = GraphProto.newBuilder().setName("valid")
                .addInput(input("x", TensorProto.DataType.FLOAT_VALUE, 3))
                .addOutput(output("y"))
                .addInitializer(floats("W", new float[] {1, 0, 0, 0, 1, 0}, 2, 3))
                .addInitializer(floats("b", new float[] {0.5f, -0.5f}, 2))
                .addNode(gemm())
                .addNode(node("Softmax", "z", "y").addAttribute(intAttribute("axis", 1)))
                .build();
        return ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph);
    }

    static NodeProto.Builder gemm() {
        return NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput("x").addInput("W").addInput("b").addOutput("z")
                .addAttribute(intAttribute("transB", 1));
    }

    static NodeProto.Builder node(String op, String in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "-" + out).addInput(in).addOutput(out);
    }

    static TensorProto floats(String name, float[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (float v : values) {
            t.addFloatData(v);
        }
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static ValueInfoProto input(String name, int type, int width) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))))).build();
    }

    /** A float input of shape [width]: no batch dimension. */
    static ValueInfoProto rank1Input(String name, int width) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(
                        TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)))))
                .build();
    }

    static ValueInfoProto output(String name) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))).build();
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private Path write(String name, ModelProto model) throws IOException {
        Path file = dir.resolve(name + ".onnx");
        Files.write(file, model.toByteArray());
        return file;
    }

    private void refused(String name, UnaryOperator<ModelProto.Builder> change, String... parts) throws IOException {
        ModelProto.Builder m = valid();
        change.apply(m);
        assertRefused(write(name, m.build()), parts);
    }

    /** Loading {@code file} throws a one-line ModelFormatException naming the file and every one of {@code parts}. */
    static void assertRefused(Path file, String... parts) {
        try (Arena arena = Arena.ofConfined()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelIo.load(file, arena).model().close(),
                    file.toString());
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
            }
            // gatun inspect reads a file through describe: it must not call valid what every load refuses.
            ModelFormatException described = assertThrows(ModelFormatException.class, () -> ModelIo.describe(file),
                    "describe " + file);
            assertEquals(e.getMessage(), described.getMessage());
        }
    }
}

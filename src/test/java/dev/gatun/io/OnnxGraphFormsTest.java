package dev.gatun.io;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.gatun.data.Normalization;
import dev.gatun.serve.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The other ways exporters write the same layer, against a softmax computed here by hand: MatMul then Add instead
 * of Gemm, a leading Mul/Add normalisation, Constant nodes instead of initialisers, initialisers also listed as
 * graph inputs (older exporters), Identity nodes, Gemm's alpha and beta.
 */
class OnnxGraphFormsTest {
    private static final float[] X = {1, 2, 3};

    @TempDir
    Path dir;

    @Test
    void matMulAddMulAddNormalisationConstantsAndIdentity() throws Exception {
        // x·2 + 1, then MatMul by Wᵀ (3, 2), Identity, Add b, Softmax.
        GraphProto.Builder g = OnnxRefusalTest.valid().getGraph().toBuilder().clearNode().clearInitializer()
                .addInitializer(OnnxRefusalTest.floats("two", new float[] {2}, 1))
                .addNode(constant("one", OnnxRefusalTest.floats("", new float[] {1}, 1)))
                .addInitializer(OnnxRefusalTest.floats("Wt", new float[] {1, 0, 0, 1, 0, 0}, 3, 2))
                .addInitializer(OnnxRefusalTest.floats("b", new float[] {0.5f, -0.5f}, 2))
                .addInput(OnnxRefusalTest.input("Wt", TensorProto.DataType.FLOAT_VALUE, 2)) // an initialiser listed as input
                .addNode(OnnxRefusalTest.node("Mul", "x", "scaled").addInput("two"))
                .addNode(OnnxRefusalTest.node("Add", "scaled", "shifted").setInput(0, "one").addInput("scaled"))
                .addNode(OnnxRefusalTest.node("MatMul", "shifted", "product").addInput("Wt"))
                .addNode(OnnxRefusalTest.node("Identity", "product", "same"))
                .addNode(OnnxRefusalTest.node("Add", "same", "z").addInput("b"))
                .addNode(OnnxRefusalTest.node("Softmax", "z", "y"));
        double[] x = {2 * X[0] + 1, 2 * X[1] + 1, 2 * X[2] + 1};
        double[] expected = softmax(x[0] + 0.5, x[1] - 0.5);
        Path file = write("forms", OnnxRefusalTest.valid().setGraph(g).build());
        try (Predictor predictor = Predictor.load(file)) {
            float[] p = new float[2];
            predictor.predict(X, p);
            assertEquals(expected[0], p[0], 1e-6);
            assertEquals(expected[1], p[1], 1e-6);
            // x·2 + 1 is x' = (x − mean)/std with mean −0.5 and std 0.5, one value for every feature.
            assertEquals(Normalization.of(Normalization.Mode.STANDARDIZE_GLOBAL, 3, new float[] {-0.5f}, new float[] {0.5f}),
                    loadedNormalization(file));
        }
    }

    @Test
    void aLongRunOfScalarAndVectorMapsAfterALayerFoldsExactly() throws Exception {
        // Gemm, then Mul 0.5, Add (1, −1), 2,000 alternating Mul 2 / Mul 0.5, Mul (3, 0.5), Add 0.25, Softmax: scalar
        // maps compose among themselves, vector ones between them, and the layer's rows take the result once.
        GraphProto.Builder g = OnnxRefusalTest.valid().getGraph().toBuilder().clearNode()
                .addInitializer(OnnxRefusalTest.floats("half", new float[] {0.5f}, 1))
                .addInitializer(OnnxRefusalTest.floats("two", new float[] {2}, 1))
                .addInitializer(OnnxRefusalTest.floats("quarter", new float[] {0.25f}, 1))
                .addInitializer(OnnxRefusalTest.floats("plusMinus", new float[] {1, -1}, 2))
                .addInitializer(OnnxRefusalTest.floats("threeHalf", new float[] {3, 0.5f}, 2))
                .addNode(OnnxRefusalTest.gemm().setOutput(0, "v0"));
        double[] z = {X[0] + 0.5, X[1] - 0.5};
        java.util.List<String[]> ops = new java.util.ArrayList<>();
        ops.add(new String[] {"Mul", "half"});
        ops.add(new String[] {"Add", "plusMinus"});
        for (int k = 0; k < 1000; k++) {
            ops.add(new String[] {"Mul", "two"});
            ops.add(new String[] {"Mul", "half"});
        }
        ops.add(new String[] {"Mul", "threeHalf"});
        ops.add(new String[] {"Add", "quarter"});
        java.util.Map<String, double[]> constants = java.util.Map.of("half", new double[] {0.5, 0.5}, "two",
                new double[] {2, 2}, "quarter", new double[] {0.25, 0.25}, "plusMinus", new double[] {1, -1},
                "threeHalf", new double[] {3, 0.5});
        for (int k = 0; k < ops.size(); k++) {
            String[] op = ops.get(k);
            g.addNode(OnnxRefusalTest.node(op[0], "v" + k, "v" + (k + 1)).addInput(op[1]));
            double[] c = constants.get(op[1]);
            for (int j = 0; j < 2; j++) {
                z[j] = op[0].equals("Mul") ? z[j] * c[j] : z[j] + c[j];
            }
        }
        g.addNode(OnnxRefusalTest.node("Softmax", "v" + ops.size(), "y"));
        double[] expected = softmax(z[0], z[1]);
        try (Predictor predictor = Predictor.load(write("long-run", OnnxRefusalTest.valid().setGraph(g).build()))) {
            float[] p = new float[2];
            predictor.predict(X, p);
            assertEquals(expected[0], p[0], 1e-6);
            assertEquals(expected[1], p[1], 1e-6);
        }
    }

    @Test
    void aTransposedWeightDropoutAndATrailingIdentityAtTheNewestOpset() throws Exception {
        // As the dynamo exporter writes a Linear: MatMul(x, Transpose(W)) + b; then Dropout (inference), Sigmoid and an
        // Identity naming the graph output, at opset 25.
        GraphProto.Builder g = OnnxRefusalTest.valid().getGraph().toBuilder().clearNode().clearInitializer()
                .clearOutput().addOutput(OnnxRefusalTest.output("out"))
                .addInitializer(OnnxRefusalTest.floats("W", new float[] {1, 2, 3, 0, 0, 1}, 2, 3))
                .addInitializer(OnnxRefusalTest.floats("b", new float[] {0.5f, -0.5f}, 2))
                .addInitializer(OnnxRefusalTest.floats("ratio", new float[] {0.3f}))
                .addInitializer(TensorProto.newBuilder().setName("no").setDataType(TensorProto.DataType.BOOL_VALUE)
                        .addInt32Data(0).build())
                .addNode(OnnxRefusalTest.node("Transpose", "W", "Wt").addAttribute(AttributeProto.newBuilder()
                        .setName("perm").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0)))
                .addNode(OnnxRefusalTest.node("MatMul", "x", "product").addInput("Wt"))
                .addNode(OnnxRefusalTest.node("Add", "product", "z").addInput("b"))
                .addNode(OnnxRefusalTest.node("Dropout", "z", "kept").addInput("ratio").addInput("no"))
                .addNode(OnnxRefusalTest.node("Sigmoid", "kept", "p"))
                .addNode(OnnxRefusalTest.node("Identity", "p", "out"));
        ModelProto.Builder m = OnnxRefusalTest.valid().setGraph(g);
        m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(25));
        // z = W·x + b = (1 + 4 + 9 + 0.5, 3 − 0.5) = (14.5, 2.5), through the sigmoid.
        try (Predictor predictor = Predictor.load(write("dynamo-like", m.build()))) {
            float[] p = new float[2];
            predictor.predict(X, p);
            assertEquals(1 / (1 + Math.exp(-14.5)), p[0], 1e-6);
            assertEquals(1 / (1 + Math.exp(-2.5)), p[1], 1e-6);
        }
    }

    @Test
    void gemmAlphaAndBetaScaleTheWeightsAndTheBias() throws Exception {
        ModelProto.Builder m = OnnxRefusalTest.valid();
        m.setGraph(m.getGraph().toBuilder().setNode(0, OnnxRefusalTest.gemm()
                .addAttribute(AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT).setF(0.5f))
                .addAttribute(AttributeProto.newBuilder().setName("beta").setType(AttributeProto.AttributeType.FLOAT).setF(3f))));
        double[] expected = softmax(0.5 * X[0] + 3 * 0.5, 0.5 * X[1] + 3 * -0.5);
        try (Predictor predictor = Predictor.load(write("alpha-beta", m.build()))) {
            float[] p = new float[2];
            predictor.predict(X, p);
            assertEquals(expected[0], p[0], 1e-6);
            assertEquals(expected[1], p[1], 1e-6);
        }
    }

    private static NodeProto.Builder constant(String name, TensorProto value) {
        return NodeProto.newBuilder().setOpType("Constant").setName("constant-" + name).addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value));
    }

    private static double[] softmax(double a, double b) {
        double max = Math.max(a, b);
        double ea = Math.exp(a - max);
        double eb = Math.exp(b - max);
        return new double[] {ea / (ea + eb), eb / (ea + eb)};
    }

    private Normalization loadedNormalization(Path file) throws Exception {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            loaded.model().close();
            return loaded.normalization();
        }
    }

    private Path write(String name, ModelProto model) throws Exception {
        Path file = dir.resolve(name + ".onnx");
        Files.write(file, model.toByteArray());
        return file;
    }
}

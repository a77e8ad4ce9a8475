package dev.gatun.io;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.gatun.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small ONNX file whose nodes read one initialiser many times: each use decodes it again, so 40 KB on disk
 * became N × 80 KB of heap, and a large enough N ran the JVM out of memory with an error that named nothing. Now
 * the reader refuses it, naming the file and the node, once its decoded constants pass half the heap. Run in a
 * child JVM with a 64 MB heap, where 600 uses (48 MB) cross that line.
 */
class OnnxDecodeBudgetTest {
    @TempDir
    Path dir;

    @Test
    void oneInitialiserReadByManyNodesIsRefusedBeforeTheHeapRunsOut() throws Exception {
        assertRefusedInA64MbHeap(dir.resolve("tied.onnx"), tiedMatMuls(100, 600), "MatMul");
    }

    /** Transposes of one initialiser are decoded (and kept) as they are folded: they count against the same budget. */
    @Test
    void oneInitialiserTransposedByManyNodesIsRefusedAtTheTransposes() throws Exception {
        assertRefusedInA64MbHeap(dir.resolve("transposed.onnx"), tiedMatMuls(100, 600, true), "Transpose");
    }

    /** {@code model}, written to {@code file} and described in a child JVM of 64 MB, is refused at an {@code op} node. */
    private void assertRefusedInA64MbHeap(Path file, ModelProto model, String op) throws Exception {
        Files.write(file, model.toByteArray());
        ChildJvm.Result result = ChildJvm.run(dir, List.of("-Xmx64m", "--add-modules=jdk.incubator.vector"),
                DescribeProbe.class, List.of(file.toString()));
        assertEquals(0, result.exit(), result.toString());
        String out = result.stdout().strip();
        assertTrue(out.startsWith("refused: " + file) && out.contains(op) && out.contains("heap of"), result.toString());
    }

    @Test
    void theSameInitialiserReadTwiceStillLoads() throws Exception {
        Path file = dir.resolve("twice.onnx");
        Files.write(file, tiedMatMuls(100, 2).toByteArray());
        assertEquals(List.of(100, 100, 100), ModelIo.describe(file).spec().widths());
    }

    /** x [batch, width] → MatMul(·, W) `uses` times, every one reading the same W (width × width) → Softmax → y. */
    static ModelProto tiedMatMuls(int width, int uses) {
        return tiedMatMuls(width, uses, false);
    }

    /** As {@link #tiedMatMuls(int, int)}; {@code transposed}: each MatMul reads a Transpose of W of its own. */
    static ModelProto tiedMatMuls(int width, int uses, boolean transposed) {
        float[] identity = new float[width * width];
        for (int i = 0; i < width; i++) {
            identity[i * width + i] = 1;
        }
        GraphProto.Builder graph = GraphProto.newBuilder().setName("tied")
                .addInput(OnnxRefusalTest.input("x", TensorProto.DataType.FLOAT_VALUE, width))
                .addOutput(OnnxRefusalTest.output("y"))
                .addInitializer(OnnxRefusalTest.floats("W", identity, width, width));
        String in = "x";
        for (int k = 1; k <= uses; k++) {
            String weights = "W";
            if (transposed) {
                weights = "Wt" + k;
                graph.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("transpose-" + k).addInput("W")
                        .addOutput(weights));
            }
            graph.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul-" + k).addInput(in)
                    .addInput(weights).addOutput("h" + k));
            in = "h" + k;
        }
        graph.addNode(OnnxRefusalTest.node("Softmax", in, "y").addAttribute(OnnxRefusalTest.intAttribute("axis", 1)));
        return ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(graph).build();
    }
}

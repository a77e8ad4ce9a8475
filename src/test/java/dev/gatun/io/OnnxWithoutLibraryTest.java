package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tribuo's ONNX classes and protobuf-java are optional: in a JVM without them on the class path, Gatun model files
 * still load and save, and only touching an .onnx file fails, with one line saying what to add.
 */
class OnnxWithoutLibraryTest {
    @TempDir
    Path dir;

    @Test
    void modelFilesWorkAndOnnxFilesSayWhatIsMissing() throws Exception {
        Path gatun = dir.resolve("model.gatun");
        Path onnx = dir.resolve("model.onnx");
        try (Arena arena = Arena.ofConfined();
             Model model = OnnxNets.model(arena, Activation.RELU, true, Loss.SOFTMAX_CROSS_ENTROPY, 3, 4)) {
            ModelIo.save(gatun, model, Normalization.none(OnnxNets.INPUTS), Map.of());
            OnnxExport.save(onnx, model, Normalization.none(OnnxNets.INPUTS), Map.of());
        }
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("tribuo") && !entry.contains("protobuf"))
                .collect(Collectors.joining(File.pathSeparator));
        assertTrue(System.getProperty("java.class.path").contains("tribuo-util-onnx"), "the test's own class path has it");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                Child.class.getName(), gatun.toString(), onnx.toString(), dir.resolve("out.onnx").toString())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), output);
        List<String> lines = output.lines().filter(l -> l.startsWith("gatun") || l.startsWith("onnx")).toList();
        assertEquals("gatun loaded [12, 10, 7, 3]", lines.get(0), output);
        for (String line : lines.subList(1, 3)) {
            assertTrue(line.contains("IllegalStateException") && line.contains("org.tribuo:tribuo-util-onnx")
                    && line.contains("protobuf-java"), line);
        }
        assertTrue(lines.get(1).startsWith("onnx load: ") && lines.get(1).contains(onnx.toString()), lines.get(1));
        assertTrue(lines.get(2).startsWith("onnx save: "), lines.get(2));
    }

    /** Runs in the child JVM: loads the Gatun file, then tries to read and to write ONNX, printing one line each. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (Arena arena = Arena.ofConfined(); Model model = ModelIo.load(Path.of(args[0]), arena).model()) {
                System.out.println("gatun loaded " + model.spec().widths());
                try {
                    ModelIo.load(Path.of(args[1]), arena).model().close();
                    System.out.println("onnx load: succeeded");
                } catch (Throwable t) {
                    System.out.println("onnx load: " + t);
                }
                try {
                    OnnxExport.save(Path.of(args[2]), model, Normalization.none(model.inputs()), Map.of());
                    System.out.println("onnx save: succeeded");
                } catch (Throwable t) {
                    System.out.println("onnx save: " + t);
                }
            }
        }
    }
}

package dev.gatun.io;

import dev.gatun.ChildJvm;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model file whose metadata section is millions of short entries: about 40 MB on disk, several times that as a map
 * of strings. Read in a child JVM with a 64 MB heap, it is refused as this file's failure, naming the file and the
 * heap, rather than as an OutOfMemoryError escaping the reader.
 */
class ModelFileHeapTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatDecodesPastTheHeapIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("inflated.gatun");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int k = 0; k < 4_000_000; k++) {
            metadata.put("k" + k, "v");
        }
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(4).dense(3, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena)) {
            ModelIo.save(file, model, Normalization.none(4), metadata);
        }
        assertTrue(Files.size(file) > 30L << 20, "the section must dwarf the child's heap: " + Files.size(file));
        ChildJvm.Result result = ChildJvm.run(dir, List.of("-Xmx64m", "--add-modules=jdk.incubator.vector"),
                DescribeProbe.class, List.of(file.toString()));
        assertEquals(0, result.exit(), result.toString());
        String out = result.stdout().strip();
        assertTrue(out.startsWith("refused: " + file + ": does not fit in this JVM's heap of"), result.toString());
    }
}

package dev.gatun.cli;

import dev.gatun.ChildJvm;
import dev.gatun.kernels.Vectorization;
import dev.gatun.nn.Loss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --quiet} as the README states it: no text and no INFO log lines, but warnings and errors still on stderr.
 * The log format and level are set once per JVM by {@link Main#main}, so the command runs in a child JVM, started
 * without {@code --add-modules jdk.incubator.vector}: loading the model then logs a warning that names the flag.
 */
class QuietLoggingTest {
    @TempDir
    Path dir;

    @Test
    void quietKeepsWarningsAndDropsTextAndInfoLines() throws Exception {
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 20, 4, Loss.SOFTMAX_CROSS_ENTROPY);
        List<String> benchmark = List.of("benchmark", "--model", model.toString(), "--batch", "1", "--threads", "1",
                "--seconds", "0.1", "--warmup", "0.1");

        ChildJvm.Result loud = gatun(benchmark);
        assertTrue(loud.stderr().contains("[INFO]"), loud.toString());
        assertFalse(loud.stdout().isBlank(), loud.toString());

        List<String> quietLine = new ArrayList<>(benchmark);
        quietLine.add("--quiet");
        ChildJvm.Result quiet = gatun(quietLine);
        assertEquals("", quiet.stdout(), quiet.toString());
        assertFalse(quiet.stderr().contains("[INFO]"), quiet.toString());
        assertTrue(quiet.stderr().contains("[WARN]") && quiet.stderr().contains(Vectorization.FLAG), quiet.toString());
    }

    private ChildJvm.Result gatun(List<String> args) throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, List.of(), Main.class, args);
        assertEquals(0, child.exit(), child.toString());
        return child;
    }
}

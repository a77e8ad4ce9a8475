package dev.gatun.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** kill -9 in the middle of saves must leave the last complete model loadable. */
class AtomicSaveTest {
    @TempDir
    Path dir;

    @Test
    void killedWriterLeavesACompleteModel() throws Exception {
        Path file = dir.resolve("model.gatun");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int round = 0; round < 4; round++) {
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    SaveLoop.class.getName(), file.toString()).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                // Wait for a few completed saves, so the kill lands while later ones are being written.
                for (int saves = 0; saves < 3 + round; saves++) {
                    String line = out.readLine();
                    assertNotNull(line, "the save loop died before saving");
                }
                Thread.sleep(7L * round);
                child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            List<Section> sections = ModelFile.read(file);
            byte[] payload = sections.getFirst().payload();
            assertEquals(8 << 20, payload.length);
            for (byte b : payload) {
                assertEquals(payload[0], b, "a file mixes two generations");
            }
        }
    }
}

package dev.gatun.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A valid ONNX file (PyTorch's, with every supported operator) truncated at every length and mutated at random:
 * each load either gives a model or a one-line {@link ModelFormatException} naming the file; nothing else escapes
 * (no IndexOutOfBounds, NegativeArraySize, OutOfMemoryError, hang).
 */
class OnnxFuzzTest {
    private static final int MUTATIONS = 1500;

    @TempDir
    Path dir;

    @Test
    void everyTruncationIsRefusedOrStillAValidModel() throws Exception {
        byte[] valid = Files.readAllBytes(PytorchOnnxImportTest.resource("mlp_softmax_opset13.onnx"));
        Path file = dir.resolve("truncated.onnx");
        int refused = 0;
        for (int length = 0; length < valid.length; length++) {
            Files.write(file, java.util.Arrays.copyOf(valid, length));
            refused += loadsOrIsRefused(file) ? 0 : 1;
        }
        // Cutting inside the graph always breaks it; only cuts in the trailing fields after it leave a valid model.
        assertTrue(refused > valid.length * 9 / 10, refused + " of " + valid.length + " truncations refused");
    }

    @Test
    void randomMutationsAreRefusedOrStillAValidModel() throws Exception {
        byte[] valid = Files.readAllBytes(PytorchOnnxImportTest.resource("mlp_softmax_opset13.onnx"));
        Path file = dir.resolve("mutated.onnx");
        SplittableRandom random = new SplittableRandom(18);
        int refused = 0;
        for (int trial = 0; trial < MUTATIONS; trial++) {
            byte[] bytes = valid.clone();
            int changes = 1 + random.nextInt(4);
            for (int c = 0; c < changes; c++) {
                int at = random.nextInt(bytes.length);
                bytes[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (bytes[at] ^ (1 << random.nextInt(8)));
            }
            Files.write(file, bytes);
            refused += loadsOrIsRefused(file) ? 0 : 1;
        }
        // Most bytes are weights, where a change is still a valid model; the rest must be caught.
        assertTrue(refused > MUTATIONS / 20, refused + " of " + MUTATIONS + " mutations refused");
    }

    /** True when the file loads as a model, false when it is refused with one line naming it; anything else fails. */
    private static boolean loadsOrIsRefused(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.load(file, arena).model().close();
            return true;
        } catch (ModelFormatException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return false;
        } catch (Throwable t) {
            throw new AssertionError(file + ": " + t, t);
        }
    }
}

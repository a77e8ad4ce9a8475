package dev.gatun.cli;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.io.EncodedModel;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints written on a thread of their own: what they hold, their order, and failures reported later. */
class BackgroundWritesTest {
    @TempDir
    Path dir;

    private static Model model(Arena arena, long seed) {
        return Model.builder(4).dense(3, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(seed).build(arena);
    }

    private static float[] firstWeights(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined(); Model loaded = ModelIo.load(file, arena).model()) {
            return loaded.parameters().getFirst().value().toFloatArray();
        }
    }

    /** The file holds the model as it was when encoded, although it changed before the write ran. */
    @Test
    void aModelIsWrittenAsItWasWhenEncoded() throws IOException {
        Path file = dir.resolve("m.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = model(arena, 1);
             BackgroundWrites writes = new BackgroundWrites()) {
            Tensor W = model.parameters().getFirst().value();
            float[] before = W.toFloatArray();
            EncodedModel encoded = ModelIo.encode(file, model, Normalization.none(4), Map.of());
            W.set(0, before[0] + 1);
            writes.submit(List.of(encoded));
            writes.finish();
            assertArrayEquals(before, firstWeights(file));
        }
    }

    /** Batches are written in the order submitted: the last one's contents win, and finish waits for it. */
    @Test
    void theLastBatchSubmittedIsTheOneOnDisk() throws IOException {
        Path file = dir.resolve("m.gatun");
        try (Arena arena = Arena.ofConfined(); Model first = model(arena, 1); Model second = model(arena, 2);
             BackgroundWrites writes = new BackgroundWrites()) {
            for (int round = 0; round < 5; round++) {
                writes.submit(List.of(ModelIo.encode(file, first, Normalization.none(4), Map.of())));
                writes.submit(List.of(ModelIo.encode(file, second, Normalization.none(4), Map.of())));
            }
            writes.finish();
            assertArrayEquals(second.parameters().getFirst().value().toFloatArray(), firstWeights(file));
        }
    }

    /** A write that fails is thrown by the next submit, naming the file; close waits and throws it too. */
    @Test
    void aFailedWriteIsThrownByTheNextCallWithItsFile() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path impossible = notADirectory.resolve("m.gatun");
        Path fine = dir.resolve("fine.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = model(arena, 1)) {
            BackgroundWrites writes = new BackgroundWrites();
            writes.submit(List.of(ModelIo.encode(impossible, model, Normalization.none(4), Map.of())));
            IOException failed = assertThrows(IOException.class,
                    () -> writes.submit(List.of(ModelIo.encode(fine, model, Normalization.none(4), Map.of()))));
            assertTrue(failed.getMessage().contains("plain-file"), failed.getMessage());
            assertTrue(Files.notExists(fine), "a batch after a failed one is not started");
            writes.submit(List.of(ModelIo.encode(impossible, model, Normalization.none(4), Map.of())));
            IOException atClose = assertThrows(IOException.class, writes::close);
            assertTrue(atClose.getMessage().contains("plain-file"), atClose.getMessage());
            writes.close();
            try (var files = Files.list(dir)) {
                assertEquals(List.of("plain-file"), files.map(p -> p.getFileName().toString()).toList());
            }
        }
    }
}

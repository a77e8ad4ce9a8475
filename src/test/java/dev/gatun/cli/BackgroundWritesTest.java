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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints written on a thread of their own: what they hold, their order, waiting, and failures reported later. */
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

    private static BackgroundWrites.Write write(EncodedModel encoded) {
        return encoded::write;
    }

    /** Releases {@code latch} from another thread after {@code millis}. */
    private static void releaseLater(CountDownLatch latch, long millis) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            latch.countDown();
        });
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
            writes.submit(List.of(write(encoded)));
            writes.finish();
            assertArrayEquals(before, firstWeights(file));
        }
    }

    /** A batch is not started, and submit does not return, until the batch before it has been written. */
    @Test
    void submitWaitsForTheBatchBefore() throws IOException {
        List<String> done = new CopyOnWriteArrayList<>();
        CountDownLatch slowDisk = new CountDownLatch(1);
        try (BackgroundWrites writes = new BackgroundWrites()) {
            writes.submit(List.of(() -> {
                try {
                    slowDisk.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                done.add("first");
            }));
            releaseLater(slowDisk, 200);
            writes.submit(List.of(() -> done.add("second")));
            done.add("second submitted");
            writes.finish();
            assertEquals("first", done.getFirst(), "submit returned before the first batch was written: " + done);
            assertEquals(3, done.size());
        }
    }

    /** Closing without finish still waits for the write under way: a command does not end before its files. */
    @Test
    void closeWaitsForTheWriteUnderWay() throws IOException {
        Path marker = dir.resolve("written");
        CountDownLatch slowDisk = new CountDownLatch(1);
        BackgroundWrites writes = new BackgroundWrites();
        writes.submit(List.of(() -> {
            try {
                slowDisk.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            Files.writeString(marker, "x");
        }));
        releaseLater(slowDisk, 200);
        writes.close();
        assertTrue(Files.exists(marker), "close returned before the write ended");
    }

    /** A write that fails is thrown once, by the next submit, which then starts nothing; close throws a later one. */
    @Test
    void aFailedWriteIsThrownByTheNextCall() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path impossible = notADirectory.resolve("m.gatun");
        Path fine = dir.resolve("fine.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = model(arena, 1)) {
            BackgroundWrites writes = new BackgroundWrites();
            writes.submit(List.of(write(ModelIo.encode(impossible, model, Normalization.none(4), Map.of()))));
            IOException failed = assertThrows(IOException.class,
                    () -> writes.submit(List.of(write(ModelIo.encode(fine, model, Normalization.none(4), Map.of())))));
            assertTrue(failed.getMessage().contains("plain-file"), failed.getMessage());
            assertTrue(Files.notExists(fine), "a batch after a failed one is not started");
            writes.finish();
            writes.submit(List.of(write(ModelIo.encode(impossible, model, Normalization.none(4), Map.of()))));
            IOException atClose = assertThrows(IOException.class, writes::close);
            assertTrue(atClose.getMessage().contains("plain-file"), atClose.getMessage());
            writes.close();
            try (var files = Files.list(dir)) {
                assertEquals(List.of("plain-file"), files.map(p -> p.getFileName().toString()).toList());
            }
        }
    }
}

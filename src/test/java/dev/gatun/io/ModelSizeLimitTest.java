package dev.gatun.io;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models too large for one file are refused by their size, before anything is allocated for them. The tensors are
 * views of a sparse file: 2 GiB of address space, no memory (nothing reads the values before the size check).
 */
class ModelSizeLimitTest {
    @TempDir
    Path dir;

    @Test
    void aSectionBeyondTheFileLimitNamesItsSizeAndTheLimit() throws Exception {
        long values = ModelFile.MAX_FILE_BYTES / Float.BYTES + 1;
        try (Arena arena = Arena.ofConfined()) {
            Tensor huge = Tensor.wrap(sparse(arena, values * Float.BYTES), DType.F32, values);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TensorTable.encode(Map.of("W1", huge)));
            assertTrue(e.getMessage().contains("[W1] come to " + (4 + 2 + 2 + 1 + 8 + values * Float.BYTES) + " bytes")
                    && e.getMessage().contains("at most " + ModelFile.MAX_FILE_BYTES), e.getMessage());
        }
    }

    @Test
    void anOnnxExportBeyondTwoGibibytesIsRefusedByItsSize() throws Exception {
        long limit = OnnxWriter.MAX_WEIGHT_BYTES / Float.BYTES;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment file = sparse(arena, (limit + 1) * Float.BYTES);
            Tensor w = Tensor.wrap(file, DType.F32, limit - 10);
            Tensor b = Tensor.wrap(file.asSlice(0, 44), DType.F32, 11);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxWriter.requireFits(Map.of("W1", w, "b1", b)));
            assertTrue(e.getMessage().contains("model's " + (limit + 1) + " values")
                    && e.getMessage().contains("at most 2 GiB"), e.getMessage());
            Tensor fits = Tensor.wrap(file.asSlice(0, 40), DType.F32, 10);
            assertDoesNotThrow(() -> OnnxWriter.requireFits(Map.of("W1", w, "b1", fits)));
        }
    }

    private MemorySegment sparse(Arena arena, long bytes) throws Exception {
        Path path = dir.resolve("sparse-" + bytes);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(bytes);
            return file.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
        }
    }
}

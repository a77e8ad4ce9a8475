package dev.gatun.io;

import dev.gatun.Gatun;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Model files carry who wrote them, when, and what their classes and features are; older files still load. */
class ModelMetadataTest {
    @TempDir
    Path dir;

    @Test
    void namesTrainingAndMetricsRoundTrip() throws IOException {
        Path file = dir.resolve("m.gatun");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelMetadata.CLASSES, ModelMetadata.encodeList(List.of("T-shirt/top", "Coat, long", "Bag")));
        meta.put(ModelMetadata.FEATURE_NAMES, ModelMetadata.encodeList(List.of("a", "b", "c", "d", "e", "f")));
        meta.put("config.lr", "0.001");
        meta.put("metric.test_accuracy", "0.875");
        Instant before = Instant.now();
        try (Arena arena = Arena.ofConfined(); Model model = ModelIoTest.batchNormNet(3).build(arena)) {
            ModelIo.save(file, model, ModelIoTest.perFeature(6, 3), meta);
        }
        ModelMetadata read = ModelIo.describe(file).metadata();
        assertEquals(Gatun.version(), read.gatunVersion().orElseThrow());
        Instant created = read.created().orElseThrow();
        assertFalse(created.isBefore(before.minusSeconds(1)) || created.isAfter(Instant.now()), created.toString());
        assertEquals(List.of("T-shirt/top", "Coat, long", "Bag"), read.classNames());
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), read.featureNames());
        assertEquals(6, read.features());
        assertEquals(Map.of("lr", "0.001"), read.training());
        assertEquals(Map.of("test_accuracy", "0.875"), read.metrics());
        assertThrows(IllegalArgumentException.class, () -> ModelMetadata.encodeList(List.of("tab\there")));
    }

    @Test
    void aFileWrittenBeforeTheMetadataKeysLoadsWithEmptyMetadata() throws IOException {
        Path file = dir.resolve("old.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = ModelIoTest.batchNormNet(4).build(arena)) {
            ModelIo.save(file, model, Normalization.scaleToUnit(6), Map.of("test_accuracy", "0.5"));
        }
        // The same file as an older Gatun wrote it: the format is unchanged, only these keys are new.
        List<Section> sections = new ArrayList<>();
        for (Section s : ModelFile.read(file)) {
            if (s.tag().equals(ModelIo.META)) {
                Map<String, String> meta = new LinkedHashMap<>(KeyValues.decode(file, s.tag(), s.payload()));
                assertNotNull(meta.remove(ModelMetadata.VERSION));
                assertNotNull(meta.remove(ModelMetadata.CREATED));
                s = new Section(s.tag(), KeyValues.encode(meta));
            }
            sections.add(s);
        }
        ModelFile.write(file, sections);

        ModelMetadata read = ModelIo.describe(file).metadata();
        assertTrue(read.gatunVersion().isEmpty());
        assertTrue(read.created().isEmpty());
        assertEquals(List.of(), read.classNames());
        assertEquals(Map.of("test_accuracy", "0.5"), read.asMap());
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.load(file, arena).model().close();
        }
    }

    /** Text that UTF-8 cannot hold, or bytes that are not UTF-8, are refused, never stored or read as something else. */
    @Test
    void metadataThatIsNotUnicodeIsRefusedBothWays() throws IOException {
        Path file = dir.resolve("lone.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = ModelIoTest.batchNormNet(3).build(arena)) {
            IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () -> ModelIo.save(file,
                    model, ModelIoTest.perFeature(6, 3), Map.of("note", "bird \uD83D")));
            assertEquals("key/value 'note' cannot be stored: its value holds a lone UTF-16 surrogate, U+D83D at index 5,"
                    + " which is not a character", lone.getMessage());
            assertFalse(java.nio.file.Files.exists(file));
            // A whole pair is a character (U+1F426, a bird) and comes back as given.
            ModelIo.save(file, model, ModelIoTest.perFeature(6, 3), Map.of("note", "bird \uD83D\uDC26"));
        }
        assertEquals("bird \uD83D\uDC26", ModelIo.describe(file).metadata().asMap().get("note"));

        byte[] bad = {'a', '=', 'x', (byte) 0xC3, '\n'};   // 0xC3 opens a two-byte sequence that never comes
        ModelFormatException malformed = assertThrows(ModelFormatException.class,
                () -> KeyValues.decode(file, "META", bad));
        assertTrue(malformed.getMessage().endsWith("section META is not valid UTF-8 at its byte 3"), malformed.getMessage());
    }
}

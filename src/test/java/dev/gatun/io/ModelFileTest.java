package dev.gatun.io;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {
    @TempDir
    Path dir;

    static List<Section> sampleSections(Arena arena) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Tensor w = Tensor.allocate(arena, DType.F32, 3, 5);
        for (int i = 0; i < w.size(); i++) {
            w.set(i, i * 0.25 - 1);
        }
        tensors.put("W1", w);
        tensors.put("b1", Tensor.of(arena, new float[]{1.5f, -2f, 3f}, 3));
        Map<String, String> arch = new LinkedHashMap<>();
        arch.put("layers", "5,3");
        arch.put("activation", "relu");
        return List.of(new Section("ARCH", KeyValues.encode(arch)), new Section("TENS", TensorTable.encode(tensors)));
    }

    @Test
    void roundTripKeepsEverySectionAndValue() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = dir.resolve("m.gatun");
            ModelFile.write(file, sampleSections(arena));
            List<Section> read = ModelFile.read(file);
            assertEquals(List.of("ARCH", "TENS"), read.stream().map(Section::tag).toList());
            assertEquals(Map.of("layers", "5,3", "activation", "relu"),
                    KeyValues.decode(file, "ARCH", ModelFile.require(file, read, "ARCH").payload()));
            List<TensorTable.Entry> tensors = TensorTable.decode(file, "TENS", read.get(1).payload());
            assertEquals("W1", tensors.get(0).name());
            assertArrayEquals(new long[]{3, 5}, tensors.get(0).shape());
            assertEquals(-1f, tensors.get(0).values()[0]);
            assertEquals(2.5f, tensors.get(0).values()[14]);
            assertArrayEquals(new float[]{1.5f, -2f, 3f}, tensors.get(1).values());
            Tensor target = Tensor.allocate(arena, DType.F32, 3);
            TensorTable.copyInto(file, tensors.get(1), target);
            assertArrayEquals(new float[]{1.5f, -2f, 3f}, target.toFloatArray());
            ModelFormatException wrongShape = assertThrows(ModelFormatException.class,
                    () -> TensorTable.copyInto(file, tensors.get(0), target));
            assertTrue(wrongShape.getMessage().contains("(3, 5)") && wrongShape.getMessage().contains("(3)"),
                    wrongShape.getMessage());
        }
    }

    /**
     * The container's bytes exactly as its format states them, laid out here by hand with the JDK's CRC32: for the
     * sample, for no sections, and for a section with an empty payload.
     */
    @Test
    void fileBytesAreTheDocumentedLayout() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            assertLayout(sampleSections(arena));
            assertLayout(List.of());
            assertLayout(List.of(new Section("NONE", new byte[0]), new Section("ONE1", new byte[]{7})));
        }
    }

    private void assertLayout(List<Section> sections) throws IOException {
        Path file = dir.resolve("layout-" + sections.size() + ".gatun");
        ModelFile.write(file, sections);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.writeBytes("GATUNMDL".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        expected.writeBytes(littleEndian(8).putInt(1).putInt(sections.size()).array());
        for (Section s : sections) {
            ByteBuffer framed = littleEndian(12 + s.payload().length)
                    .put(s.tag().getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .putLong(s.payload().length).put(s.payload());
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(framed.array());
            expected.writeBytes(framed.array());
            expected.writeBytes(littleEndian(4).putInt((int) crc.getValue()).array());
        }
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file), sections.size() + " sections");
        assertEquals(sections.stream().map(Section::tag).toList(), ModelFile.read(file).stream().map(Section::tag).toList());
    }

    private static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The table's bytes as its format states them, read here without the decoder: little-endian throughout, float32
     * tensors copied in bulk at any offset (the second one's values start at byte 41), float64 ones narrowed.
     */
    @Test
    void encodedTensorsAreLittleEndianFloat32WhateverTheirTypeAndOffset() {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("a", Tensor.of(arena, new float[]{1.5f, -2f, 3.25f}, 3));
            tensors.put("bb", Tensor.of(arena, new float[]{0.1f, -7f}, 2));
            Tensor doubles = Tensor.allocate(arena, DType.F64, 2);
            doubles.set(0, 0.1);
            doubles.set(1, 1e300);
            tensors.put("c", doubles);
            byte[] bytes = TensorTable.encode(tensors);
            ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(4 + (2 + 1 + 1 + 8 + 12) + (2 + 2 + 1 + 8 + 8) + (2 + 1 + 1 + 8 + 8), bytes.length);
            assertEquals(3, le.getInt(0));
            assertEquals(1, le.getShort(4));
            assertEquals('a', bytes[6]);
            assertEquals(1, bytes[7]);
            assertEquals(3L, le.getLong(8));
            assertEquals(Float.floatToIntBits(1.5f), le.getInt(16));
            assertEquals(Float.floatToIntBits(-2f), le.getInt(20));
            assertEquals(Float.floatToIntBits(3.25f), le.getInt(24));
            assertEquals(2, le.getShort(28));
            assertEquals(2L, le.getLong(33));
            assertEquals(Float.floatToIntBits(0.1f), le.getInt(41));
            assertEquals(Float.floatToIntBits(-7f), le.getInt(45));
            assertEquals(1, le.getShort(49));
            assertEquals('c', bytes[51]);
            assertEquals(2L, le.getLong(53));
            assertEquals(Float.floatToIntBits(0.1f), le.getInt(61));
            assertEquals(Float.floatToIntBits(Float.POSITIVE_INFINITY), le.getInt(65), "1e300 narrowed to float32");
        }
    }

    @Test
    void noTemporaryFileIsLeftBehind() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            ModelFile.write(dir.resolve("a.gatun"), sampleSections(arena));
            ModelFile.write(dir.resolve("a.gatun"), sampleSections(arena));
            try (var files = Files.list(dir)) {
                assertEquals(List.of("a.gatun"), files.map(p -> p.getFileName().toString()).toList());
            }
        }
    }

    @Test
    void specificErrorsNameTheProblem() throws IOException {
        Path file = dir.resolve("bad.gatun");
        byte[] good;
        try (Arena arena = Arena.ofConfined()) {
            ModelFile.write(file, sampleSections(arena));
            good = Files.readAllBytes(file);
        }
        assertMessage(file, new byte[5], "shorter than the 16-byte header");
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertMessage(file, magic, "magic");
        byte[] version = good.clone();
        version[8] = 9;
        assertMessage(file, version, "format version 9 is not supported");
        byte[] flipped = good.clone();
        flipped[good.length - 30] ^= 0x10;
        assertMessage(file, flipped, "checksum mismatch");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 7);
        assertMessage(file, truncated, "TENS claims");
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 3);
        assertMessage(file, longer, "3 unexpected bytes");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> ModelFile.read(dir.resolve("missing.gatun")));
    }

    private static void assertMessage(Path file, byte[] bytes, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.parse(file, bytes));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    /** 10,000 corrupted files: flipped bytes, truncations, random lengths. Only ModelFormatException may come out. */
    @Test
    void fuzzedFilesGiveOnlyTheDocumentedException() throws IOException {
        Path file = dir.resolve("fuzz.gatun");
        byte[] good;
        try (Arena arena = Arena.ofConfined()) {
            ModelFile.write(file, sampleSections(arena));
            good = Files.readAllBytes(file);
        }
        SplittableRandom random = new SplittableRandom(42);
        int rejected = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            byte[] bytes = mutate(good, random);
            try {
                for (Section s : ModelFile.parse(file, bytes)) {
                    // A mutation that survives the CRC must still decode cleanly or be rejected cleanly.
                    if (s.tag().equals("TENS")) {
                        TensorTable.decode(file, s.tag(), s.payload());
                    } else {
                        KeyValues.decode(file, s.tag(), s.payload());
                    }
                }
            } catch (ModelFormatException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 9_000, "most mutations must be rejected, got " + rejected);
    }

    /** Payload codecs on their own, without the CRC in front: hostile lengths must not allocate or throw anything else. */
    @Test
    void fuzzedTensorTablesGiveOnlyTheDocumentedException() throws IOException {
        byte[] good;
        try (Arena arena = Arena.ofConfined()) {
            good = sampleSections(arena).get(1).payload();
        }
        SplittableRandom random = new SplittableRandom(7);
        Path name = dir.resolve("payload");
        for (int trial = 0; trial < 10_000; trial++) {
            try {
                TensorTable.decode(name, "TENS", mutate(good, random));
            } catch (ModelFormatException expected) {
                // the documented outcome
            }
        }
    }

    static byte[] mutate(byte[] good, SplittableRandom random) {
        byte[] bytes = good.clone();
        switch (random.nextInt(4)) {
            case 0 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 1 -> {
                for (int i = random.nextInt(1, 4); i > 0; i--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> {
                int at = random.nextInt(Math.max(1, bytes.length - 8));
                long hostile = random.nextBoolean() ? -1L : random.nextLong();
                for (int i = 0; i < 8 && at + i < bytes.length; i++) {
                    bytes[at + i] = (byte) (hostile >>> (8 * i));
                }
            }
            default -> bytes = java.util.Arrays.copyOf(bytes, bytes.length + random.nextInt(1, 64));
        }
        return bytes;
    }
}

package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of mutated and truncated IDX files, plain and gzipped: every one either opens as a consistent file or
 * is refused with a {@link DataFileException} — no other exception, no crash, no hang.
 */
class IdxFuzzTest {
    private static final int PLAIN_CASES = 10_000;
    private static final int GZIP_CASES = 1_500;
    private static final int LABEL_CASES = 1_500;
    private static final int[] SPECIAL_DIMS = {0, -1, 1, 2, 255, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE};

    @TempDir
    Path dir;

    private final Random random = new Random(20240605L);
    private final List<String> failures = new ArrayList<>();
    private int accepted;
    private int refused;

    private static List<byte[]> validFiles() {
        return List.of(
                IdxTestFiles.bytes(IdxType.UNSIGNED_BYTE, new int[] {3, 4, 5}, IdxTestFiles.images(3, 4, 5)),
                IdxTestFiles.bytes(IdxType.SIGNED_BYTE, new int[] {10}, new double[] {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4}),
                IdxTestFiles.bytes(IdxType.SHORT, new int[] {2, 3}, new double[] {1, -2, 3, -4, 5, -6}),
                IdxTestFiles.bytes(IdxType.INT, new int[] {4}, new double[] {7, 70_000, -7, 0}),
                IdxTestFiles.bytes(IdxType.FLOAT, new int[] {2, 2, 2}, new double[] {1, 2, 3, 4, 5, 6, 7, 0.5}),
                IdxTestFiles.bytes(IdxType.DOUBLE, new int[] {1, 1, 1, 3}, new double[] {1e-300, 2, 1e300}));
    }

    @Test
    void mutatedFilesGiveOnlyTheDocumentedException() throws IOException {
        List<byte[]> bases = validFiles();
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path plain = dir.resolve("fuzz.idx");
        for (int i = 0; i < PLAIN_CASES; i++) {
            byte[] mutated = mutate(bases.get(i % bases.size()));
            Files.write(plain, mutated);
            tryOpen(plain, cache, "plain case " + i);
        }
        for (int i = 0; i < GZIP_CASES; i++) {
            byte[] base = bases.get(i % bases.size());
            // Half the cases damage the IDX bytes inside a good stream, half damage the gzip stream itself.
            byte[] gz = i % 2 == 0 ? IdxTestFiles.gzip(mutate(base)) : mutate(IdxTestFiles.gzip(base));
            Path file = dir.resolve("fuzz-" + i + ".gz");
            Files.write(file, gz);
            tryOpen(file, cache, "gzip case " + i);
            Files.delete(file);
        }
        assertTrue(failures.isEmpty(), failures.size() + " cases escaped the documented exception:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        assertEquals(PLAIN_CASES + GZIP_CASES, accepted + refused);
        assertTrue(refused > PLAIN_CASES / 2, "most mutations must be refused, only " + refused + " were");
        assertTrue(accepted > 100, "body-only mutations must still open, only " + accepted + " did");
        // The JVM is alive and the loader still works after all that.
        Files.write(plain, bases.getFirst());
        try (IdxFile idx = IdxFile.open(plain, cache)) {
            assertEquals(60, idx.elementCount());
        }
    }

    @Test
    void mutatedLabelFilesGiveOnlyTheDocumentedException() throws IOException {
        int n = 12;
        Path imageFile = IdxTestFiles.writeImages(dir.resolve("images"), n, 2, 2);
        byte[] labels = IdxTestFiles.bytes(IdxType.UNSIGNED_BYTE, new int[] {n},
                Arrays.stream(IdxTestFiles.cyclicLabels(n, 10)).asDoubleStream().toArray());
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path labelFile = dir.resolve("labels");
        try (IdxFile images = IdxFile.open(imageFile, cache)) {
            for (int i = 0; i < LABEL_CASES; i++) {
                // Half the cases rewrite one label to a value near the class range, the rest mutate anything.
                byte[] mutated = labels.clone();
                if (i % 2 == 0) {
                    mutated[8 + random.nextInt(n)] = (byte) random.nextInt(12);
                } else {
                    mutated = mutate(labels);
                }
                Files.write(labelFile, mutated);
                try (IdxFile labelIdx = IdxFile.open(labelFile, cache)) {
                    DataSet data = DataSet.of("fuzz", images, labelIdx, 10);
                    for (int s = 0; s < data.size(); s++) {
                        assertTrue(data.label(s) >= 0 && data.label(s) < 10);
                    }
                    accepted++;
                } catch (DataFileException expected) {
                    refused++;
                } catch (Throwable t) {
                    failures.add("label case " + i + ": " + t);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        assertTrue(refused > LABEL_CASES / 2 && accepted > LABEL_CASES / 4, "refused " + refused + ", accepted " + accepted);
    }

    private void tryOpen(Path file, IdxCache cache, String what) {
        try (IdxFile idx = IdxFile.open(file, cache)) {
            long size = Files.size(idx.mappedPath());
            if (size != idx.header().fileBytes() || idx.body().byteSize() != idx.header().bodyBytes()) {
                failures.add(what + ": opened an inconsistent file " + idx);
            }
            for (long e = 0; e < idx.elementCount(); e++) {
                idx.get(e);
            }
            accepted++;
        } catch (DataFileException expected) {
            refused++;
        } catch (Throwable t) {
            failures.add(what + ": " + t);
        }
    }

    private byte[] mutate(byte[] original) {
        byte[] bytes = original.clone();
        int headerEnd = Math.min(bytes.length, 4 + 4 * (bytes[3] & 0xFF));
        switch (random.nextInt(7)) {
            case 0 -> flip(bytes, random.nextInt(3) + 1, headerEnd);
            case 1 -> flip(bytes, random.nextInt(3) + 1, bytes.length);
            case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 3 -> {
                bytes = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(16));
                flip(bytes, 4, bytes.length);
            }
            case 4 -> {
                int dims = (headerEnd - 4) / 4;
                if (dims > 0) {
                    int at = 4 + 4 * random.nextInt(dims);
                    int value = random.nextBoolean() ? SPECIAL_DIMS[random.nextInt(SPECIAL_DIMS.length)] : random.nextInt();
                    for (int b = 0; b < 4; b++) {
                        bytes[at + b] = (byte) (value >>> (24 - 8 * b));
                    }
                }
            }
            case 5 -> bytes[3] = (byte) random.nextInt(256);
            default -> bytes[2] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private void flip(byte[] bytes, int count, int limit) {
        for (int k = 0; k < count && limit > 0; k++) {
            bytes[random.nextInt(limit)] = (byte) random.nextInt(256);
        }
    }
}

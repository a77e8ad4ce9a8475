package dev.gatun.io;

import dev.gatun.files.AtomicReplace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The Gatun model-file container (format version 1), little-endian throughout:
 * <pre>
 *   header   "GATUNMDL" (8 bytes) | u32 format version | u32 section count
 *   section  tag (4 ASCII bytes) | u64 payload length | payload | u32 CRC32 of tag, length and payload
 * </pre>
 * Writing is atomic ({@link AtomicReplace}: temporary file in the same directory, fsync, rename, fsync of the directory): a crash
 * leaves either the previous file or the new one, never half of one, and the next write to the same path removes the
 * temporary files of writers that died. Reading checks every length against the
 * bytes that remain before it allocates anything, then every checksum, and rejects unknown versions.
 */
final class ModelFile {
    static final byte[] MAGIC = "GATUNMDL".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int SECTION_OVERHEAD = 4 + 8 + 4;
    /** Far above any model this engine trains; a bound so a corrupt count cannot make us loop for hours. */
    static final int MAX_SECTIONS = 1024;
    /** The largest array {@link Files#readAllBytes} reads a file into. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private ModelFile() {}

    /** The first bytes of {@code file}, as many as {@link #MAGIC} has at most; none when it cannot be read. */
    static byte[] head(Path file) {
        byte[] head = new byte[MAGIC.length];
        int n;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException | RuntimeException unreadable) {
            n = 0;
        }
        return java.util.Arrays.copyOf(head, n);
    }

    /** Whether {@code file} is a regular file that starts as a Gatun model file does. */
    static boolean isModelFile(Path file) {
        return Files.isRegularFile(file) && java.util.Arrays.equals(head(file), MAGIC);
    }

    static void write(Path file, List<Section> sections) throws IOException {
        if (sections.size() > MAX_SECTIONS) {
            throw new IllegalArgumentException("a model file holds at most " + MAX_SECTIONS + " sections, got " + sections.size());
        }
        Set<String> tags = new HashSet<>();
        long total = HEADER_BYTES;
        for (Section s : sections) {
            if (!tags.add(s.tag())) {
                throw new IllegalArgumentException("section " + s.tag() + " appears twice");
            }
            total += SECTION_OVERHEAD + s.payload().length;
        }
        if (total > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("a model file is read back whole into one array of at most "
                    + MAX_FILE_BYTES + " bytes; these sections need " + total);
        }
        // Gathered from the payloads where they are: a checkpoint is written after every epoch, and one heap array
        // holding the whole file would be as large again as its payloads, garbage once written. (The channel still
        // copies heap buffers into its cached native ones: that memory is reused, not collected.)
        ByteBuffer[] parts = new ByteBuffer[1 + 3 * sections.size()];
        parts[0] = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .put(MAGIC).putInt(FORMAT_VERSION).putInt(sections.size()).flip();
        int p = 1;
        for (Section s : sections) {
            ByteBuffer head = ByteBuffer.allocate(SECTION_OVERHEAD - 4).order(ByteOrder.LITTLE_ENDIAN)
                    .put(s.tag().getBytes(StandardCharsets.US_ASCII)).putLong(s.payload().length).flip();
            CRC32 crc = new CRC32();
            crc.update(head.duplicate());
            crc.update(s.payload());
            parts[p++] = head;
            parts[p++] = ByteBuffer.wrap(s.payload());
            parts[p++] = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).flip();
        }
        AtomicReplace.write(file, parts);
    }

    /**
     * Only a regular file is read as a model (symbolic links followed): opening a named pipe blocks until something
     * writes to it, and a device such as /dev/zero reports a size of 0 and never ends.
     */
    static void requireRegularFile(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("model file is null");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);   // a denied search still says so
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "model file does not exist");
        }
        if (!attributes.isRegularFile()) {
            throw new ModelFormatException(file, attributes.isDirectory() ? "is a directory, not a model file"
                    : "is not a regular file (a pipe, device or socket): models are read from files");
        }
    }

    static List<Section> read(Path file) throws IOException {
        requireRegularFile(file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "model file does not exist");
        } catch (OutOfMemoryError e) {
            throw new ModelFormatException(file, "file of " + Files.size(file) + " bytes is too large to be a Gatun model");
        }
        return parse(file, bytes);
    }

    /** Parses a whole file's bytes; {@code file} only names the source in error messages. */
    static List<Section> parse(Path file, byte[] bytes) throws ModelFormatException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_BYTES) {
            throw new ModelFormatException(file, 0, "file is " + bytes.length + " bytes, shorter than the "
                    + HEADER_BYTES + "-byte header");
        }
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new ModelFormatException(file, 0, "magic is not \"GATUNMDL\" (not a Gatun model file)");
        }
        int version = in.getInt();
        if (version != FORMAT_VERSION) {
            throw new ModelFormatException(file, 8, "format version " + Integer.toUnsignedString(version)
                    + " is not supported (this Gatun reads version " + FORMAT_VERSION + ")");
        }
        int count = in.getInt();
        if (count < 0 || count > MAX_SECTIONS) {
            throw new ModelFormatException(file, 12, "section count " + Integer.toUnsignedString(count)
                    + " is outside 0.." + MAX_SECTIONS);
        }
        List<Section> sections = new ArrayList<>(count);
        Set<String> tags = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int start = in.position();
            if (in.remaining() < SECTION_OVERHEAD) {
                throw new ModelFormatException(file, start, "section " + i + " of " + count + " is cut off ("
                        + in.remaining() + " bytes left, a section needs at least " + SECTION_OVERHEAD + ")");
            }
            byte[] tagBytes = new byte[4];
            in.get(tagBytes);
            String tag = new String(tagBytes, StandardCharsets.US_ASCII);
            for (byte b : tagBytes) {
                if (b < 0x20 || b > 0x7e) {
                    throw new ModelFormatException(file, start, "section " + i + " tag is not printable ASCII");
                }
            }
            long length = in.getLong();
            if (length < 0 || length > in.remaining() - 4) {
                throw new ModelFormatException(file, start + 4, "section " + tag + " claims " + length
                        + " payload bytes but only " + Math.max(0, in.remaining() - 4) + " remain");
            }
            byte[] payload = new byte[(int) length];
            in.get(payload);
            CRC32 crc = new CRC32();
            crc.update(bytes, start, in.position() - start);
            int stored = in.getInt();
            if (stored != (int) crc.getValue()) {
                throw new ModelFormatException(file, in.position() - 4, "section " + tag + " checksum mismatch (stored "
                        + Integer.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue())
                        + "): the file is corrupt");
            }
            if (!tags.add(tag)) {
                throw new ModelFormatException(file, start, "section " + tag + " appears twice");
            }
            sections.add(new Section(tag, payload));
        }
        if (in.hasRemaining()) {
            throw new ModelFormatException(file, in.position(), in.remaining() + " unexpected bytes after the last section");
        }
        return sections;
    }

    /** The section with {@code tag}, or a format error naming what is missing. */
    static Section require(Path file, List<Section> sections, String tag) throws ModelFormatException {
        return sections.stream().filter(s -> s.tag().equals(tag)).findFirst()
                .orElseThrow(() -> new ModelFormatException(file, "section " + tag + " is missing"));
    }
}

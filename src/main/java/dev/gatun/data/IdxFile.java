package dev.gatun.data;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An IDX file memory-mapped read-only: the header parsed and validated, the body a {@link MemorySegment} over the
 * page cache. The data are never copied onto the Java heap; a {@code .gz} file is decompressed once into the
 * {@link IdxCache} and that copy is mapped.
 *
 * <p>The mapping lives in a shared arena owned by this object (shared because a prefetch thread reads it while the
 * training thread runs): it stays valid until {@link #close()}, after which any access through {@link #body()} or
 * the getters throws {@link IllegalStateException}. Views built on it ({@link DataSet}) die with it.
 */
public final class IdxFile implements AutoCloseable {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Path path;
    private final Path mappedPath;
    private final IdxHeader header;
    private final Arena arena;
    private final MemorySegment body;

    private IdxFile(Path path, Path mappedPath, IdxHeader header, Arena arena, MemorySegment body) {
        this.path = path;
        this.mappedPath = mappedPath;
        this.header = header;
        this.arena = arena;
        this.body = body;
    }

    /** Opens {@code path} (plain, or gzipped through the default cache). */
    public static IdxFile open(Path path) throws IOException {
        return open(path, IdxCache.defaultCache());
    }

    /**
     * Opens {@code path}: a gzipped file (told by its first bytes, whatever its name says) is decompressed through
     * {@code cache} (once per version of the source), anything else is mapped directly.
     *
     * @throws DataFileException the file is missing or is not a well-formed IDX file
     */
    public static IdxFile open(Path path, IdxCache cache) throws IOException {
        if (path == null || cache == null) {
            throw new IllegalArgumentException("path and cache must not be null");
        }
        if (!gzipped(path)) {
            return map(path, path);
        }
        Path decompressed = cache.decompressed(path);
        try {
            return map(path, decompressed);
        } catch (DataFileException damaged) {
            // The cache only ever holds validated files, so this entry was changed behind our back: rebuild it once.
            cache.evict(path);
            return map(path, cache.decompressed(path));
        }
    }

    /** An IDX file starts with two zero bytes, a gzip stream with 0x1F 0x8B: the two cannot be confused. */
    private static boolean gzipped(Path path) throws IOException {
        IdxCache.attributesOf(path);    // a missing file or a directory is named as such, not as an unreadable stream
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static IdxFile map(Path path, Path file) throws IOException {
        long size = IdxCache.attributesOf(file).size();
        IdxHeader header;
        try (InputStream in = Files.newInputStream(file)) {
            header = IdxHeader.read(file, in);
        }
        header.requireLength(file, size);
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new IdxFile(path, file, header, arena, whole.asSlice(header.headerBytes()));
        } catch (IOException | RuntimeException failure) {
            arena.close();
            throw failure;
        }
    }

    /** The file that was asked for (the {@code .gz} one for compressed files). */
    public Path path() {
        return path;
    }

    /** The file actually mapped: {@link #path()} itself, or its decompressed copy in the cache. */
    public Path mappedPath() {
        return mappedPath;
    }

    public IdxHeader header() {
        return header;
    }

    public IdxType type() {
        return header.type();
    }

    public int rank() {
        return header.rank();
    }

    public long[] dims() {
        return header.dims();
    }

    public long dim(int axis) {
        return header.dim(axis);
    }

    /** The first dimension: how many items (images, labels) the file holds. */
    public long count() {
        return header.dim(0);
    }

    /** Elements per item: the product of the dimensions after the first (1 for a rank-1 file). */
    public long itemSize() {
        return header.elementCount() / header.dim(0);
    }

    public long elementCount() {
        return header.elementCount();
    }

    /** The body, read-only, exactly as stored: multi-byte values are big-endian. */
    public MemorySegment body() {
        return body;
    }

    /** The element at a flat row-major index, widened to double (exact for every IDX type). */
    public double get(long index) {
        if (index < 0 || index >= header.elementCount()) {
            throw new IndexOutOfBoundsException("element " + index + " of " + path + " " + header);
        }
        return switch (header.type()) {
            case UNSIGNED_BYTE -> body.get(ValueLayout.JAVA_BYTE, index) & 0xFF;
            case SIGNED_BYTE -> body.get(ValueLayout.JAVA_BYTE, index);
            case SHORT -> body.get(SHORT_BE, 2 * index);
            case INT -> body.get(INT_BE, 4 * index);
            case FLOAT -> body.get(FLOAT_BE, 4 * index);
            case DOUBLE -> body.get(DOUBLE_BE, 8 * index);
        };
    }

    /** The integer at a flat index of an integer-typed file (labels). */
    public int getInt(long index) {
        if (!header.type().isIntegral()) {
            throw new IllegalStateException(path + " holds " + header.type().describe() + " values, not integers");
        }
        return (int) get(index);
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps the file; idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "IdxFile[" + path + ": " + header + (isOpen() ? "" : ", closed") + "]";
    }
}

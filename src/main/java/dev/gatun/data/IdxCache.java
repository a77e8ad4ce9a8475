package dev.gatun.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Where gzipped IDX files are decompressed, once, so that they can be memory-mapped like plain ones.
 *
 * <p>A cache file is keyed by the source's real path, size and modification time: a changed source gets a new
 * entry, which replaces the old version's ({@link CacheEntries}), and an unchanged one is never decompressed twice.
 * The stream is validated while it is decompressed (header, then exactly the body the header promises), and the
 * result appears under its final name by an atomic rename, so a reader never maps a half-written or invalid file,
 * and two processes racing on one source both end with the same bytes.
 *
 * <p>Location: {@link #at(Path)} explicitly, else the {@value #PROPERTY} system property, else the
 * {@value #ENV} environment variable, else {@code ~/.cache/gatun}. Files go in its {@code idx/} subdirectory.
 */
public final class IdxCache {
    public static final String PROPERTY = "gatun.cache";
    public static final String ENV = "GATUN_CACHE";

    private static final Logger LOG = LoggerFactory.getLogger(IdxCache.class);
    private static final int COPY_BUFFER = 1 << 16;
    private static final String SUFFIX = ".idx";

    private final Path root;

    private IdxCache(Path root) {
        this.root = root;
    }

    /** A cache rooted at {@code dir} (created when first needed). */
    public static IdxCache at(Path dir) {
        if (dir == null) {
            throw new IllegalArgumentException("cache directory must not be null");
        }
        return new IdxCache(dir.toAbsolutePath());
    }

    /** The cache the system property, the environment or the default names, in that order. */
    public static IdxCache defaultCache() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return at(Path.of(property));
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return at(Path.of(env));
        }
        return at(Path.of(System.getProperty("user.home"), ".cache", "gatun"));
    }

    /** The cache root (the {@code idx/} entries live below it). */
    public Path directory() {
        return root;
    }

    /**
     * The decompressed, validated form of {@code gzFile}, decompressing it now unless an entry for this exact
     * version of the source exists already.
     */
    public Path decompressed(Path gzFile) throws IOException {
        BasicFileAttributes attributes = attributesOf(gzFile);
        Path entry = entryFor(gzFile, attributes);
        if (Files.isRegularFile(entry)) {
            return entry;
        }
        Path temporary = CacheEntries.partialFile(entry);
        try {
            long bytes = decompressValidated(gzFile, temporary);
            moveIntoPlace(temporary, entry);
            LOG.info("decompressed {} into {} ({} bytes)", gzFile, entry, bytes);
            CacheEntries.removeStale(entry, stem(gzFile), SUFFIX);
            return entry;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Forgets the entry for {@code gzFile} (used when a cached file turns out damaged). */
    void evict(Path gzFile) throws IOException {
        Files.deleteIfExists(entryFor(gzFile, attributesOf(gzFile)));
    }

    static BasicFileAttributes attributesOf(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw new DataFileException(file, "file", DataFileException.NO_OFFSET, "a regular file",
                        attributes.isDirectory() ? "a directory" : "something else");
            }
            return attributes;
        } catch (NoSuchFileException missing) {
            throw new DataFileException(file, "file", DataFileException.NO_OFFSET, "an existing file", "no such file",
                    missing);
        }
    }

    private Path entryFor(Path gzFile, BasicFileAttributes attributes) throws IOException {
        String version = CacheEntries.fileVersion(gzFile, attributes);
        return CacheEntries.entry(root.resolve("idx"), stem(gzFile), gzFile.toRealPath().toString(), version, SUFFIX);
    }

    private static String stem(Path gzFile) {
        String name = gzFile.getFileName().toString();
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    /** Copies header and body into {@code target}, failing on any stream or format problem; returns the size. */
    private static long decompressValidated(Path gzFile, Path target) throws IOException {
        // The file's stream is a resource of its own: GZIPInputStream's constructor reads the gzip header and, when
        // that fails, does not close the stream it was given.
        try (InputStream raw = Files.newInputStream(gzFile);
             InputStream in = new GZIPInputStream(raw, COPY_BUFFER);
             java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(target,
                     java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                     java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
            IdxHeader header = IdxHeader.read(gzFile, in);
            requireSpace(gzFile, target.getParent(), header.fileBytes());
            try {
                writeHeader(out, header);
            } catch (IOException e) {
                throw CacheEntries.cannotWrite(target, e);
            }
            long body = copyAtMost(in, out, header.bodyBytes() + 1, target);
            if (body > header.bodyBytes()) {
                throw new DataFileException(gzFile, "body (decompressed)", header.headerBytes(),
                        header.bodyBytes() + " bytes for " + header, "more: the stream is longer than its header says");
            }
            header.requireLength(gzFile, header.headerBytes() + body);
            // On disk before the rename makes it the entry: after a power loss, a file system that kept the size but
            // not the data would serve zeroed images under a valid length for as long as the source is unchanged.
            try {
                channel.force(true);
            } catch (IOException e) {
                throw CacheEntries.cannotWrite(target, e);
            }
            return header.fileBytes();
        } catch (ZipException | EOFException broken) {
            throw DataFileException.brokenGzip(gzFile, broken);
        }
    }

    private static void writeHeader(OutputStream out, IdxHeader header) throws IOException {
        byte[] bytes = new byte[(int) header.headerBytes()];
        bytes[IdxHeader.TYPE_OFFSET] = (byte) header.type().code();
        bytes[IdxHeader.RANK_OFFSET] = (byte) header.rank();
        for (int i = 0; i < header.rank(); i++) {
            long d = header.dim(i);
            int at = IdxHeader.DIMS_OFFSET + 4 * i;
            bytes[at] = (byte) (d >>> 24);
            bytes[at + 1] = (byte) (d >>> 16);
            bytes[at + 2] = (byte) (d >>> 8);
            bytes[at + 3] = (byte) d;
        }
        out.write(bytes);
    }

    /**
     * Copies until end of stream or {@code limit} bytes, whichever comes first: a bomb cannot fill the disk. A failed
     * write names the cache file {@code target}; a failed read is the source's.
     */
    private static long copyAtMost(InputStream in, OutputStream out, long limit, Path target) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long copied = 0;
        while (copied < limit) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied));
            if (n < 0) {
                break;
            }
            try {
                out.write(buffer, 0, n);
            } catch (IOException e) {
                throw CacheEntries.cannotWrite(target, e);
            }
            copied += n;
        }
        return copied;
    }

    private static void requireSpace(Path gzFile, Path dir, long bytes) throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        long keep = CacheEntries.reserve(dir);
        if (usable - keep < bytes) {
            throw new DataFileException(gzFile, "dimensions (decompressed size)", IdxHeader.DIMS_OFFSET,
                    "at most the " + usable + " bytes free in the cache " + dir + " less the " + keep + " kept free ("
                            + CacheEntries.RESERVE_PROPERTY + ")", bytes + " bytes");
        }
    }

    static void moveIntoPlace(Path temporary, Path entry) throws IOException {
        try {
            Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException unsupported) {
            throw new IOException("cache directory " + entry.getParent()
                    + " does not support atomic renames; point " + PROPERTY + " or " + ENV + " at a local disk", unsupported);
        }
    }
}

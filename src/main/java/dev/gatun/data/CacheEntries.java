package dev.gatun.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the caches ({@link IdxCache}'s decompressed IDX files, {@link CsvReader}'s parsed tables) name their entries,
 * and how an entry replaces the ones it makes stale.
 *
 * <p>An entry is named {@code <source file name>.<source hash>.<version hash><suffix>}. The source hash covers what
 * tells two sources apart (the real path, and for a table the options it was parsed with); the version hash covers
 * what changes when the source does ({@link #fileVersion}, and the format version). So a new version of a source
 * replaces its old entry, while two sources, or one CSV file read with two label columns, keep an entry each: a
 * cache that only ever grew held a 47 MB copy per version of a training set.
 */
final class CacheEntries {
    private static final Logger LOG = LoggerFactory.getLogger(CacheEntries.class);
    private static final String PARTIAL = ".partial";
    /** {@code <entry>.<pid>-<hex>.partial}, and the {@code .labels} a table's writer keeps beside it. */
    private static final Pattern PARTIAL_NAME = Pattern.compile(".*\\.(\\d+)-[0-9a-f]+\\.partial(\\.labels)?");

    private CacheEntries() {}

    /**
     * What tells one version of a source file from another: its size and modification time, and where the file
     * system reports them its identity and change time. {@code cp -p} and {@code rsync -t} write other bytes under the
     * old size and modification time (a file system with whole-second times does it for any quick rewrite); the
     * rewrite then shows in the change time, which nothing sets by hand, or in the inode of a file replaced by rename.
     */
    static String fileVersion(Path file, BasicFileAttributes attributes) {
        StringBuilder version = new StringBuilder().append(attributes.size()).append('\n')
                .append(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS)).append('\n')
                .append(attributes.fileKey());
        try {
            Object changed = Files.getAttribute(file, "unix:ctime");
            version.append('\n').append(((FileTime) changed).to(TimeUnit.NANOSECONDS));
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            // Not a POSIX file system: size, modification time and identity are what there is.
        }
        return version.toString();
    }

    /**
     * A new, empty file to write {@code entry} into before it is moved into place, named after this process
     * ({@code <entry>.<pid>-<random>.partial}). A writer killed before the move leaves it (23 MB for an IDX file, with a
     * CSV table's {@code .labels} beside it); so first the partial files of processes that no longer run are deleted.
     */
    static Path partialFile(Path entry) throws IOException {
        Path dir = entry.getParent();
        try {
            Files.createDirectories(dir);
            removeDeadPartials(dir);
            return Files.createFile(dir.resolve(entry.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + PARTIAL));
        } catch (IOException e) {
            throw cannotWrite(dir, e);
        }
    }

    /**
     * The system property naming the bytes of free space cache writes leave on their disk; by default the smaller of
     * 1 GiB and 5% of the disk.
     */
    static final String RESERVE_PROPERTY = "gatun.cache.reserve";

    /**
     * The free space a cache write leaves on its disk. An entry that would need it (a gzip bomb, a table larger than
     * the disk) fails before the disk is full, which other programs, and this run's own model and checkpoints, need.
     */
    static long reserve(Path where) throws IOException {
        String given = System.getProperty(RESERVE_PROPERTY);
        if (given != null && !given.isBlank()) {
            try {
                long bytes = Long.parseLong(given.strip());
                if (bytes >= 0) {
                    return bytes;
                }
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("-D" + RESERVE_PROPERTY + "=" + given + " is not a number of bytes >= 0");
        }
        return Math.min(1L << 30, Files.getFileStore(where).getTotalSpace() / 20);
    }

    /**
     * Fails, as a write to {@code where} that could not be made, unless {@code bytes} more fit on its disk with the
     * {@link #reserve} left free.
     */
    static void requireRoom(Path where, long bytes) throws IOException {
        long usable = Files.getFileStore(where).getUsableSpace();
        long keep = reserve(where);
        if (usable - keep < bytes) {
            throw cannotWrite(where, new IOException(usable + " bytes free on its disk, " + keep + " of them kept free ("
                    + RESERVE_PROPERTY + "), and " + bytes + " more needed: a table larger than the disk, or a file"
                    + " that expands past it"));
        }
    }

    /**
     * A failed write to the cache, saying so: "Read-only file system" or "No space left on device" alone named
     * neither the cache nor how to move it.
     */
    static IOException cannotWrite(Path where, IOException e) {
        if (e instanceof WriteFailure already) {
            return already;
        }
        String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new WriteFailure("cannot write the data cache " + where + " (" + reason + "); free space there or point "
                + IdxCache.PROPERTY + " or " + IdxCache.ENV + " at another directory", e);
    }

    /** A cache write that failed, already saying so: wrapped once however deep it is caught again. */
    private static final class WriteFailure extends IOException {
        WriteFailure(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * How long a partial file whose writer's process id is not running here must have gone unwritten before it is
     * deleted. The id alone is only this machine's (and PID namespace's): in a cache shared over NFS or a container
     * volume, a live writer elsewhere has an id unknown here, and its file was deleted under it mid-write. A writer
     * writes its partial file every 64 KB, so a minute without a write means it is gone.
     */
    static final long IDLE_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private static void removeDeadPartials(Path dir) {
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().contains(PARTIAL))) {
            long idleSince = System.currentTimeMillis() - IDLE_MILLIS;
            for (Path partial : partials) {
                Matcher m = PARTIAL_NAME.matcher(partial.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()
                        && Files.getLastModifiedTime(partial).toMillis() < idleSince) {
                    Files.deleteIfExists(partial);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("cannot clear dead partial files in {}: {}", dir, e.toString());   // the next writer tries again
        }
    }

    /** The entry for version {@code version} of the source {@code source}, named after {@code fileName}. */
    static Path entry(Path dir, String fileName, String source, String version, String suffix) {
        return dir.resolve(fileName + "." + keyHash(source) + "." + keyHash(version) + suffix);
    }

    /**
     * Deletes the entries {@code entry} makes stale: other versions of its source, and entries of a source of the
     * same file name named the way earlier Gatun versions did (one hash: which source they came from is unknown,
     * and no current reader looks for them). An entry another process has mapped stays readable there until
     * unmapped (POSIX); one that cannot be deleted is left for the next time.
     */
    static void removeStale(Path entry, String fileName, String suffix) {
        // <fileName>.<source hash>[.<version hash>]<suffix>: one hash is the earlier naming.
        Pattern named = Pattern.compile(Pattern.quote(fileName) + "\\.([0-9a-f]{16})(\\.[0-9a-f]{16})?"
                + Pattern.quote(suffix));
        Matcher own = named.matcher(entry.getFileName().toString());
        if (!own.matches()) {
            throw new IllegalArgumentException(entry + " is not named as CacheEntries.entry names " + fileName);
        }
        String source = own.group(1);
        // A filter, not a glob: a file name may hold the glob's own characters ([, {, *).
        DirectoryStream.Filter<Path> stale = p -> {
            Matcher m = named.matcher(p.getFileName().toString());
            return m.matches() && (m.group(2) == null || m.group(1).equals(source))
                    && !p.getFileName().equals(entry.getFileName());
        };
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(entry.getParent(), stale)) {
            for (Path other : entries) {
                try {
                    Files.deleteIfExists(other);
                    LOG.info("removed the stale cache entry {}", other);
                } catch (IOException inUse) {
                    LOG.debug("could not remove the stale cache entry {}: {}", other, inUse.toString());
                }
            }
        } catch (IOException unreadable) {
            LOG.debug("could not list {} for stale entries: {}", entry.getParent(), unreadable.toString());
        }
    }

    /**
     * A 64-bit FNV-1a hash of the key's UTF-8 bytes, in hex: it names a cache entry, so it needs spread, not
     * cryptographic strength (the entry's name keeps the file's name too, and its header is validated on use). A
     * SHA-256 here cost 45–55 ms of every start, loading the JDK's security providers.
     */
    static String keyHash(String key) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return HexFormat.of().toHexDigits(hash);
    }
}

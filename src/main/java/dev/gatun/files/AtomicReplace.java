package dev.gatun.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file with new bytes atomically: a temporary file in the same directory (named
 * {@code .<name>.tmp-<pid>-<random>}), fsync, rename over the file, fsync of the directory. A crash or a kill leaves
 * either the previous file or the new one. Each write first removes the temporary files that killed writers of the
 * same file left.
 * <p>
 * The result is what writing the file in place would give, apart from the atomicity: a symbolic link is followed
 * and the file it names replaced (a deployment's {@code current.gatun -> v3.gatun} stays a link), and a file that
 * exists keeps its permissions and group (a model made readable by a service's group stays so). A new file takes the umask's
 * mode.
 */
public final class AtomicReplace {
    private AtomicReplace() {}

    /** Writes {@code bytes}, one buffer after the other, as the whole new content of {@code file}. */
    public static void write(Path file, ByteBuffer... bytes) throws IOException {
        Path target = throughLinks(file.toAbsolutePath());
        String inTheWay = notReplaceable(target);
        if (inTheWay != null) {
            throw new IOException("cannot write " + target + ": it is " + inTheWay + ", and a write replaces a regular"
                    + " file whole");
        }
        Path dir = target.getParent();
        Files.createDirectories(dir);
        String tempPrefix = tempPrefix(target);
        removeStaleTemps(dir, tempPrefix);
        Path temp = dir.resolve(tempPrefix + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long left = 0;
                for (ByteBuffer b : bytes) {
                    left += b.remaining();
                }
                while (left > 0) {
                    left -= channel.write(bytes);
                }
                channel.force(true);
                keepPermissions(target, temp);
            } catch (IOException e) {
                // "No space left on device" alone does not say which of a run's files failed.
                throw new IOException("cannot write " + target + ": " + reason(e), e);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically on this file system", e);
            } catch (IOException e) {
                throw new IOException("cannot replace " + target + ": " + reason(e), e);
            }
            // The rename is durable only once the directory entry is on disk.
            try (FileChannel dirChannel = FileChannel.open(dir, StandardOpenOption.READ)) {
                dirChannel.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot open a directory for fsync; the rename itself is still atomic.
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * What {@code target} (a path links have been followed to) is when a write cannot replace it ("a directory", "not a
     * regular file (...)"), or null when it can: it does not exist or is a regular file. The rename puts a new file in
     * place of whatever the name held, so over a device or a pipe it would delete the node (as root, {@code --out
     * /dev/null} would delete the system's {@code /dev/null}); over a directory it fails, after the bytes are written.
     */
    public static String notReplaceable(Path target) {
        if (!Files.exists(target) || Files.isRegularFile(target)) {
            return null;
        }
        return Files.isDirectory(target) ? "a directory" : "not a regular file (a device, pipe or socket)";
    }

    /** The longest chain of links followed, as Linux's own limit (ELOOP): a loop of links ends in an error. */
    private static final int MAX_LINKS = 40;

    /**
     * The file a {@link #write} to {@code file} replaces: {@code file} made absolute, or the file its chain of symbolic
     * links ends at (which may not exist yet: a dangling link's write creates its target, as writing in place would).
     * Renaming over the link itself would turn it into a file. Whatever guards a write (a lock, a free-space check,
     * two outputs that must differ) looks at this file, not at the link.
     */
    public static Path target(Path file) throws IOException {
        return throughLinks(file.toAbsolutePath());
    }

    /**
     * {@link #target}, or {@code file} made absolute where its links loop: for what guards a write (a lock, a
     * free-space check), which must not fail where the write itself will report the loop.
     */
    public static Path targetOrAbsolute(Path file) {
        try {
            return target(file);
        } catch (IOException loop) {
            return file.toAbsolutePath();
        }
    }

    private static Path throughLinks(Path file) throws IOException {
        Path at = file;
        for (int hops = 0; Files.isSymbolicLink(at); hops++) {
            if (hops == MAX_LINKS) {
                throw new IOException("cannot write " + file + ": more than " + MAX_LINKS
                        + " symbolic links in a row (a loop?)");
            }
            at = at.resolveSibling(Files.readSymbolicLink(at));
        }
        return at;
    }

    /**
     * Gives {@code temp} the permissions and group of the file it will replace, where there is one on a POSIX file
     * system: mode 640 for group svc means little once the group is the writer's own.
     */
    private static void keepPermissions(Path target, Path temp) throws IOException {
        java.nio.file.attribute.PosixFileAttributes old;
        try {
            old = Files.readAttributes(target, java.nio.file.attribute.PosixFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException | UnsupportedOperationException e) {
            return;   // no file yet, or no POSIX attributes here: the temporary file's are what a new file would get
        }
        Files.setPosixFilePermissions(temp, old.permissions());
        try {
            Files.getFileAttributeView(temp, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(old.group());
        } catch (IOException notAMember) {
            // Only a member of the group (or root) may give a file to it; a write in place would have kept it, but
            // the mode is still the old file's.
        }
    }

    /**
     * Why {@code e} happened, in words: the file-system exceptions often carry only the temporary file's path, which
     * names neither the file the user asked for nor the reason ("cannot write /ro/m.onnx: /ro/.m.onnx.tmp-1-ab").
     */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            return FileProblems.meaning(f);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The start of the names of {@code file}'s temporary files; the writer's process id follows it. */
    public static String tempPrefix(Path file) {
        return "." + file.getFileName() + ".tmp-";
    }

    /**
     * A temporary file this old, of a process id that is not running here, is a killed writer's. Younger ones stay:
     * the directory may be shared with another machine or container (an NFS home, a mounted volume), whose writers'
     * process ids mean nothing here, and whose write in progress must not be deleted under it.
     */
    public static final java.time.Duration STALE_AFTER = java.time.Duration.ofHours(1);

    /**
     * Deletes the temporary files that writers of the same target left when they were killed mid-write: a temp
     * file names its writer's process id, so one whose process is gone can never be finished. Files of live
     * processes are someone's write in progress and stay, as do files younger than {@link #STALE_AFTER}.
     */
    private static void removeStaleTemps(Path dir, String tempPrefix) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir,
                entry -> entry.getFileName().toString().startsWith(tempPrefix))) {
            for (Path temp : temps) {
                String rest = temp.getFileName().toString().substring(tempPrefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue; // not a name this class writes
                }
                if (ProcessHandle.of(pid).isEmpty() && olderThan(temp, STALE_AFTER)) {
                    Files.deleteIfExists(temp);
                }
            }
        } catch (IOException e) {
            // Cleaning up after others is best effort; the write itself reports its own failures.
        }
    }

    private static boolean olderThan(Path file, java.time.Duration age) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(java.time.Instant.now().minus(age));
        } catch (IOException e) {
            return false;   // gone already, or unreadable: not ours to delete
        }
    }
}

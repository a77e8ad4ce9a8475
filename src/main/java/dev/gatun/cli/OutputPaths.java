package dev.gatun.cli;

import dev.gatun.files.AtomicReplace;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Checks, before a long run starts, that the files and directories it will write at the end can be written: a
 * read-only directory, a path that names a directory, or a disk without room should cost a second, not an hour of
 * training. Every message names the option and the path.
 */
final class OutputPaths {
    private OutputPaths() {}

    /**
     * {@code file} (given as {@code option}) can be created or replaced, and its file system has at least
     * {@code bytes} free. Creates missing parent directories, as the final write would.
     */
    static void checkFile(String option, Path file, long bytes) {
        String inTheWay = AtomicReplace.notReplaceable(AtomicReplace.targetOrAbsolute(file));
        if (inTheWay != null) {
            // Over a device the run's atomic replace would delete the node: as root, --checkpoint /dev/null would
            // replace the system's /dev/null with a checkpoint.
            throw new IllegalArgumentException(option + " " + file + " is " + inTheWay + "; name the file to write");
        }
        // The directory the write lands in: a symbolic link's target's, which may be read-only or full where the
        // link's is not.
        Path dir = AtomicReplace.targetOrAbsolute(file).getParent();
        checkDirectory(option + " " + file, dir);
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new IllegalArgumentException(option + " " + file + " exists and cannot be replaced (not writable)");
        }
        checkSpace(option + " " + file, dir, bytes);
    }

    /**
     * Refuses {@code file} (given as {@code option}) when it is one of {@code inputs}, the files the command reads:
     * the atomic replace would put its output where the user's data was (train --out data.csv did). A usage error,
     * as export's same check is: the command line names one file for two roles.
     */
    static void requireNotInput(String option, Path file, Map<String, Path> inputs) {
        requireNotRead(option + " " + file, file, inputs);
    }

    /** As {@link #requireNotInput}, for {@code file} described as {@code what} (its option and path). */
    private static void requireNotRead(String what, Path file, Map<String, Path> inputs) {
        for (Map.Entry<String, Path> input : inputs.entrySet()) {
            if (input.getValue() != null && sameExistingFile(what, file, input.getKey(), input.getValue())) {
                throw new UsageException(what + " is the " + input.getKey() + " file this run reads; write the"
                        + " output elsewhere");
            }
        }
    }


    /**
     * Refuses two outputs that are one file, existing or not: the later write would replace the earlier (train
     * --out m --checkpoint m ended with the model over its checkpoint, a run that could not be resumed).
     */
    static void requireDistinct(String option, Path file, String otherOption, Path other) {
        if (AtomicReplace.targetOrAbsolute(file).normalize().equals(AtomicReplace.targetOrAbsolute(other).normalize())
                || sameExistingFile(option, file, otherOption, other)) {
            throw new UsageException(option + " " + file + " is the " + otherOption + " file too; give each its own");
        }
    }

    /**
     * Each of {@code names}, the files a run writes in {@code dir}, is free or a regular file (through its links) and
     * none of {@code inputs}: a directory in the way would fail the run after all its work, a device would be deleted
     * by the replace, and a name that links to the training data would have the data overwritten by a plot.
     */
    static void requireReplaceableAt(String option, Path dir, List<String> names, Map<String, Path> inputs) {
        for (String name : names) {
            Path file = dir.resolve(name);
            requireNotRead(option + ": " + file, file, inputs);
            String inTheWay = AtomicReplace.notReplaceable(AtomicReplace.targetOrAbsolute(file));
            if (inTheWay != null) {
                throw new IllegalArgumentException(option + ": " + file + " is " + inTheWay + ", where the run writes "
                        + name + "; move it away");
            }
        }
    }

    /** Whether both exist and are one file (through links too); a comparison that fails is named. */
    private static boolean sameExistingFile(String option, Path file, String otherOption, Path other) {
        try {
            return Files.exists(file) && Files.exists(other) && Files.isSameFile(file, other);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": cannot compare it with " + otherOption + " "
                    + other + ": " + reason(e), e);
        }
    }

    /** {@code dir} (given as {@code option}) exists or can be created, and a file can be written in it. */
    static void checkDirectory(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + ": " + dir + " is not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot create the directory " + dir + ": " + reason(e), e);
        }
        // Permissions alone do not say it (root ignores them, a read-only mount does not show in them): try it.
        Path probe = dir.resolve(".gatun-write-probe-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(Files.createFile(probe));
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot write in " + dir + ": " + reason(e), e);
        }
    }

    private static void checkSpace(String what, Path dir, long bytes) {
        try {
            FileStore store = Files.getFileStore(dir);
            long free = store.getUsableSpace();
            if (free < bytes) {
                throw new IllegalArgumentException(what + ": the file system has " + free / 1024 + " KB free, the run "
                        + "will write about " + bytes / 1024 + " KB there");
            }
        } catch (IOException e) {
            // A file system that cannot report its free space: the write itself will tell.
        }
    }

    private static String reason(IOException e) {
        String name = e.getClass().getSimpleName();
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason();
            case java.nio.file.FileAlreadyExistsException f -> "a file is in the way";
            default -> e.getMessage() == null ? name : e.getMessage();
        };
    }
}

package dev.gatun.files;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What a file-system exception means, in words. The JDK's often carry only a path and no reason ("/tmp/x.csv"), which
 * says where but not what went wrong; the command line's one-line errors and {@link AtomicReplace}'s say it alike.
 */
public final class FileProblems {
    private FileProblems() {}

    /** The exception's own reason when it has one, else what its type means. */
    public static String meaning(FileSystemException e) {
        if (e.getReason() != null) {
            return e.getReason();
        }
        return switch (e) {
            case NoSuchFileException ignored -> "no such file or directory";
            case AccessDeniedException ignored -> "permission denied";
            case FileAlreadyExistsException ignored -> "already exists";
            case DirectoryNotEmptyException ignored -> "is a directory that is not empty";
            case NotDirectoryException ignored -> "is not a directory";
            default -> e.getClass().getSimpleName();
        };
    }
}

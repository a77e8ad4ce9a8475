package dev.gatun.cli;

import dev.gatun.tune.SearchResult;
import dev.gatun.tune.Trial;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The trials as CSV, one row each in the order given (the rank column counts them: pass {@link SearchResult#ranked()}),
 * with full-precision numbers (empty for NaN). The file is replaced whole, through a temporary file beside it and a
 * rename: {@code tune} rewrites it after every trial, and a search killed mid-write must leave the last whole table.
 */
final class TrialsCsv {
    static final String HEADER = "rank,phase,trial,seed,learning_rate,lambda,beta,outcome,epochs,train_loss,"
            + "train_accuracy,dev_loss,dev_accuracy,seconds";

    private TrialsCsv() {}

    static Path write(Path file, List<Trial> trials) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        int rank = 1;
        for (Trial t : trials) {
            out.append(rank++).append(',').append(t.phase().name().toLowerCase(Locale.ROOT)).append(',').append(t.index())
                    .append(',').append(t.seed()).append(',').append(number(t.learningRate())).append(',')
                    .append(number(t.lambda())).append(',').append(number(t.beta())).append(',').append(t.outcome())
                    .append(',').append(t.epochs()).append(',').append(number(t.trainLoss())).append(',')
                    .append(number(t.trainAccuracy())).append(',').append(number(t.devLoss())).append(',')
                    .append(number(t.devAccuracy())).append(',').append(number(t.seconds())).append('\n');
        }
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        // Named here rather than by createTempFile, whose files are owner-only: the table keeps the umask's mode.
        Path temporary = parent.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(temporary, out, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // A file system without atomic renames still gets the table, as a plain replacement.
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        return file;
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}

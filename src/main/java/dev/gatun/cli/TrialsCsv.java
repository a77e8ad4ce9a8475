package dev.gatun.cli;

import dev.gatun.files.AtomicReplace;
import dev.gatun.tune.SearchResult;
import dev.gatun.tune.Trial;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The trials as CSV, one row each in the order given (the rank column counts them: pass {@link SearchResult#ranked()}),
 * with full-precision numbers (empty for NaN). The file is replaced whole and atomically ({@link AtomicReplace}):
 * {@code tune} rewrites it after every trial, and a search killed mid-write must leave the last whole table.
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
        AtomicReplace.write(file, ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
        return file;
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}

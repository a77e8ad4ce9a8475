package dev.gatun.cli;

import dev.gatun.serve.Predictor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code gatun predict}: classes and probabilities (a classifier) or real values (a regression) for the samples in an
 * IDX or CSV file, through a {@link Predictor} (the model's stored normalisation applied to the raw values). Rows
 * stream through one buffer of {@value #BATCH} samples; output is written as each batch is done, JSON included, so
 * the input may be larger than memory.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict classes for the samples in an IDX file (any rank whose trailing dimensions multiply to the "
                + "model's inputs; .gz fine) or a CSV file (one sample of raw feature values per line; a non-numeric "
                + "first line is a header).",
                "Prints row, class index and probability per sample, then the class's label (the value the model "
                        + "was trained from) when its file keeps them; with --json, one JSON object "
                        + "{\"predictions\":[{row, class, label, probability, probabilities}]} instead (label only "
                        + "when the model keeps class names).",
                "A regression model (MSE, linear output) prints row and predicted value(s) per sample; with --json "
                        + "{\"predictions\":[{row, value, values}]} (value only for one output)."})
final class PredictCommand extends JsonReportingCommand {
    /** Samples per Predictor call: large enough for its sgemm path, small enough to stream. */
    static final int BATCH = 256;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelFileOption modelFile;

    @Option(names = "--input", required = true, description = "IDX or CSV file of samples (plain or gzipped).")
    Path input;

    @Option(names = "--top", defaultValue = "1", description = "Also list the K most probable classes (classifiers only; default ${DEFAULT-VALUE}).")
    int top;

    /** The class names the model file keeps (a CSV file's label values), in index order; empty when it keeps none. */
    private List<String> labels = List.of();

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be >= 1, got " + top);
        }
        try (Predictor predictor = Predictor.load(modelFile.path)) {
            boolean regression = !predictor.loss().classification();
            int classes = regression ? 0 : ClassNames.count(modelFile.path, predictor.loss(), predictor.outputs(), "predict");
            if (regression && top > 1) {
                throw new UsageException("--top " + top + " ranks classes but model " + modelFile.path + " is a regression ("
                        + predictor.loss() + "): it predicts values, not classes");
            }
            if (!regression && top > classes) {
                throw new UsageException("--top " + top + " is more than the " + classes + " classes model "
                        + modelFile.path + " predicts");
            }
            List<String> kept = predictor.metadata().classNames();
            labels = kept.size() == classes ? kept : List.of();
            try (InputRows rows = InputRows.open(input, predictor.inputs(), predictor.metadata().featureNames())) {
                run(predictor, rows, classes);
            }
        }
        return 0;
    }

    /** Streams the rows through the predictor; {@code classes} is 0 for a regression model. */
    private void run(Predictor predictor, InputRows rows, int classes) throws java.io.IOException {
        int inputs = predictor.inputs();
        int outputs = predictor.outputs();
        float[] x = new float[BATCH * inputs];
        float[] y = new float[BATCH * outputs];
        float[] p = new float[classes];
        int[] order = new int[classes];
        StringBuilder line = new StringBuilder();
        PrintStream out = json.requested ? JsonOutput.stream() : ResultsOutput.stream();
        if (json.requested) {
            out.print("{\"model\":" + Json.string(modelFile.path.toString()) + ",\"input\":" + Json.string(input.toString())
                    + ",\"predictions\":[");
        } else if (classes == 0) {
            out.println("row\t" + valueHeader(outputs));
        } else {
            out.println("row\tclass\tprobability" + (top > 1 ? "\ttop " + top + " (class:probability)" : "")
                    + (labels.isEmpty() ? "" : "\tlabel"));
        }
        long row = 0;
        try {
            for (int m = BATCH; m == BATCH; ) {
                m = 0;
                Exception unreadable = null;   // a row that cannot be read ends the run after the rows before it
                try {
                    while (m < BATCH && rows.next(x, m * inputs)) {
                        m++;
                    }
                } catch (RuntimeException | java.io.IOException e) {
                    unreadable = e;
                }
                if (m == 0) {
                    rethrow(unreadable);
                    break;
                }
                // The last, partial batch needs arrays of its exact size: one allocation per run, not per row.
                float[] xm = m == BATCH ? x : Arrays.copyOf(x, m * inputs);
                float[] ym = m == BATCH ? y : new float[m * outputs];
                IllegalArgumentException failure = null;
                try {
                    predictor.predict(xm, m, ym);
                } catch (IllegalArgumentException e) {
                    // The batch's rows before the bad one are good: their predictions are written before the error
                    // ends the run, as every row of the earlier batches was.
                    RowFailure bad = atRow(predictor, xm, m, row, e);
                    failure = bad.error();
                    m = bad.index();
                    if (m > 0) {
                        xm = Arrays.copyOf(xm, m * inputs);
                        ym = new float[m * outputs];
                        predictor.predict(xm, m, ym);
                    }
                }
                if (out.checkError()) {
                    // PrintStream keeps write errors to itself: without this, `predict ... | head` read and predicted
                    // the whole input after head had gone.
                    throw new java.io.IOException("standard output was closed or could not be written; stopped after "
                            + row + " rows");
                }
                for (int r = 0; r < m; r++, row++) {
                    if (classes == 0) {
                        line.setLength(0);
                        appendValues(line.append(json.requested && row > 0 ? "," : ""), row, ym, r * outputs, outputs);
                        if (json.requested) {
                            out.print(line);
                        } else {
                            out.println(line);
                        }
                        continue;
                    }
                    probabilities(ym, r * outputs, outputs, p);
                    rank(p, order, outputs == 1);
                    line.setLength(0);
                    if (json.requested) {
                        appendJson(line.append(row == 0 ? "" : ","), row, p, order);
                        out.print(line);
                    } else {
                        appendText(line, row, p, order);
                        out.println(line);
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                rethrow(unreadable);
            }
        } catch (RuntimeException | java.io.IOException | Error e) {
            if (json.requested) {
                // The predictions so far are already on stdout: end the object properly and say why it ends early.
                out.println("],\"rows\":" + row + ",\"error\":" + Json.string(Main.oneLine(e)) + "}");
                out.flush();
            }
            throw e;
        }
        if (json.requested) {
            out.println("],\"rows\":" + row + "}");
        }
        out.flush();
        if (out.checkError()) {
            // The last batch and the closing of the object are written after the last check in the loop: a full disk
            // there truncated the output under exit 0.
            throw new java.io.IOException("standard output was closed or could not be written; the last of the " + row
                    + " rows may be missing from it");
        }
    }

    /**
     * A batch's rejection names a row within the batch; the user needs it within the file. Runs the batch's rows one
     * by one (only after a failure) and names the first that fails by its row, as the output counts them.
     */
    private RowFailure atRow(Predictor predictor, float[] x, int m, long first, IllegalArgumentException e) {
        int inputs = predictor.inputs();
        float[] out = new float[predictor.outputs()];
        for (int r = 0; r < m; r++) {
            try {
                predictor.predict(Arrays.copyOfRange(x, r * inputs, (r + 1) * inputs), out);
            } catch (IllegalArgumentException single) {
                return new RowFailure(r, new IllegalArgumentException(input + ": row " + (first + r)
                        + " (counting from 0, as the output does): " + single.getMessage(), single));
            }
        }
        return new RowFailure(0, e);   // no single row fails: none of the batch is written
    }

    /** Throws {@code e} (an IOException or an unchecked one) when there is one. */
    private static void rethrow(Exception e) throws java.io.IOException {
        if (e instanceof java.io.IOException io) {
            throw io;
        }
        if (e != null) {
            throw (RuntimeException) e;
        }
    }

    /** The first row of a batch that fails alone (its index in the batch), and the error that names it. */
    private record RowFailure(int index, IllegalArgumentException error) {}

    /** The text header's value columns: {@code value}, or {@code value1 .. valueK} for several outputs. */
    private static String valueHeader(int outputs) {
        if (outputs == 1) {
            return "value";
        }
        StringBuilder header = new StringBuilder();
        for (int k = 1; k <= outputs; k++) {
            header.append(k == 1 ? "" : "\t").append("value").append(k);
        }
        return header.toString();
    }

    /**
     * One row of a regression's predictions: the values tab-separated (text) or {@code {"row", "value", "values"}}
     * (JSON; {@code value} only for one output). Floats print as their shortest exact decimal, so a value read back
     * is the predictor's float.
     */
    private void appendValues(StringBuilder line, long row, float[] y, int at, int outputs) {
        if (!json.requested) {
            line.append(row);
            for (int k = 0; k < outputs; k++) {
                line.append('\t').append(y[at + k]);
            }
            return;
        }
        line.append("{\"row\":").append(row);
        if (outputs == 1) {
            line.append(",\"value\":").append(Json.value(y[at]));
        }
        line.append(",\"values\":[");
        for (int k = 0; k < outputs; k++) {
            line.append(k == 0 ? "" : ",").append(Json.value(y[at + k]));
        }
        line.append("]}");
    }

    /** Class probabilities from the model's outputs: softmax as is, one sigmoid p as (1 − p, p). */
    private static void probabilities(float[] y, int at, int outputs, float[] p) {
        if (p.length == 2 && outputs == 1) {
            p[1] = y[at];
            p[0] = 1 - y[at];
        } else {
            System.arraycopy(y, at, p, 0, outputs);
        }
    }

    /**
     * The first {@code top} entries of {@code order} become the classes by falling probability; ties keep the lower
     * class first, so entry 0 is the class {@link Predictor#classify} picks (for one sigmoid output, p ≥ 0.5 is 1).
     */
    private void rank(float[] p, int[] order, boolean sigmoid) {
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        for (int i = 0; i < top; i++) {
            int best = i;
            for (int j = i + 1; j < order.length; j++) {
                if (p[order[j]] > p[order[best]] || (p[order[j]] == p[order[best]] && order[j] < order[best])) {
                    best = j;
                }
            }
            int t = order[i];
            order[i] = order[best];
            order[best] = t;
        }
        if (sigmoid && p[1] == p[0]) {
            // A single sigmoid output at exactly 0.5 classifies as 1 (Predictor.classify's rule); two softmax outputs
            // that tie go to the lower class, as there.
            order[0] = 1;
            order[1] = 0;
        }
    }

    /**
     * The class index stays in the second column, where scripts read it; the label value it was trained from (a
     * CSV file's -1 or heron, Fashion-MNIST's Ankle boot) is the last column when the model keeps names.
     */
    private void appendText(StringBuilder line, long row, float[] p, int[] order) {
        line.append(row).append('\t').append(order[0]).append('\t').append(String.format(Locale.ROOT, "%.4f", p[order[0]]));
        if (top > 1) {
            line.append('\t');
            for (int i = 0; i < top; i++) {
                line.append(i == 0 ? "" : " ").append(order[i]).append(':').append(String.format(Locale.ROOT, "%.4f", p[order[i]]));
            }
        }
        if (!labels.isEmpty()) {
            // Whole (a script reads it back), with control and format characters escaped as everywhere on a terminal.
            line.append('\t').append(UserText.safe(labels.get(order[0]), Integer.MAX_VALUE));
        }
    }

    /** The JSON's class index, with the label value beside it when the model keeps names. */
    private void appendClass(StringBuilder line, int k) {
        line.append("\"class\":").append(k);
        if (!labels.isEmpty()) {
            line.append(",\"label\":").append(Json.string(labels.get(k)));
        }
    }

    private void appendJson(StringBuilder line, long row, float[] p, int[] order) {
        appendClass(line.append("{\"row\":").append(row).append(','), order[0]);
        line.append(",\"probability\":").append(Json.value(p[order[0]])).append(",\"probabilities\":[");
        for (int k = 0; k < p.length; k++) {
            line.append(k == 0 ? "" : ",").append(Json.value(p[k]));   // null, never a bare NaN: JSON has none
        }
        line.append(']');
        if (top > 1) {
            line.append(",\"top\":[");
            for (int i = 0; i < top; i++) {
                appendClass(line.append(i == 0 ? "" : ",").append('{'), order[i]);
                line.append(",\"probability\":").append(Json.value(p[order[i]])).append('}');
            }
            line.append(']');
        }
        line.append('}');
    }
}

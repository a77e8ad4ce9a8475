package dev.gatun.cli;

import dev.gatun.csv.CsvFormat;
import dev.gatun.csv.TextLines;
import dev.gatun.data.CsvOptions;
import dev.gatun.data.CsvReader;
import dev.gatun.data.DataFileException;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Table;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.serve.RowWeights;
import dev.gatun.tensor.Shapes;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;
import dev.gatun.train.RegressionMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gatun eval}: a saved classifier's figures on one split of an MNIST-format directory or on a CSV file with a
 * label column ({@code --label}) — accuracy, loss,
 * per-class precision, recall and F1, and the confusion matrix — evaluated in INFERENCE mode with the normalisation
 * stored in the model file.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a saved model on MNIST-format data or a CSV file: for a classifier, accuracy, loss, "
                + "per-class precision/recall/F1 and the confusion matrix (rows: actual class, columns: predicted); "
                + "for a regression model, its error figures."})
final class EvalCommand extends JsonReportingCommand {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelFileOption modelFile;

    @Mixin
    DataFileOptions data;

    @Option(names = "--split", defaultValue = "test", description = "test or train (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--plots", description = "Directory to write confusion-matrix.png into.")
    Path plots;

    @Option(names = "--row-weights", paramLabel = "FORMAT", converter = ServedModel.ParseRowWeights.class,
            description = "Evaluate a classifier row by row as a service serves it (Predictor.classify, the single-row "
                    + "kernel) with its weights in float32 or bfloat16, instead of in batches: check bfloat16 on your "
                    + "own data before serving with it.")
    RowWeights rowWeights;

    @Override
    public Integer call() throws Exception {
        String which = split.toLowerCase(Locale.ROOT);
        if (!which.equals("test") && !which.equals("train")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--split must be test or train, got '" + split + "'");
        }
        DataSource.requireLabelMatchesData(data.path, data.label);
        if (data.label != null) {
            TrainingData.requireCsvFile(data.path);
            if (spec.commandLine().getParseResult().hasMatchedOption("--split")) {   // was accepted, then ignored
                throw new CommandLine.ParameterException(spec.commandLine(), "--split picks a split of an MNIST-format"
                        + " directory; a CSV file (--label) is evaluated whole");
            }
        }
        if (plots != null) {
            java.util.Map<String, Path> inputs = new java.util.LinkedHashMap<>();
            inputs.put("model", modelFile.path);
            inputs.put("--data", data.path);
            if (data.path != null && java.nio.file.Files.isDirectory(data.path)) {
                // An MNIST-format directory: the files in it are what the evaluation reads.
                try (var files = java.nio.file.Files.list(data.path)) {
                    files.filter(java.nio.file.Files::isRegularFile)
                            .forEach(f -> inputs.put("--data directory's " + f.getFileName(), f));
                }
            }
            Plots.checkDirectory("--plots " + plots, plots, inputs); // before the evaluation, not after it
        }
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(modelFile.path, arena);
            try (Model model = loaded.model()) {
                if (rowWeights != null) {
                    RowByRowEvaluation.requireClassifier(model);
                }
                if (data.label != null) {
                    return evaluateTable(loaded);
                }
                if (!model.loss().classification()) {
                    throw new IllegalArgumentException("model " + modelFile.path + " is a regression (" + model.loss()
                            + "): evaluate it on a CSV file with --data FILE.csv --label COLUMN (the target column)");
                }
                int classes = ClassNames.count(modelFile.path, model.loss(), model.outputs(), "eval");
                try (MnistDirectory dir = openData(classes)) {
                    DataSet set = which.equals("test") ? dir.test() : dir.train();
                    if (set.features() != model.inputs()) {
                        throw new IllegalArgumentException("model " + modelFile.path + " takes " + model.inputs()
                                + " inputs but the " + which + " images in " + dir.directory() + " have " + set.features()
                                + " features each (shape " + Shapes.format(set.sampleShape()) + ")");
                    }
                    Evaluation e = evaluate(loaded, set, dir.directory() + ", " + which + " split");
                    List<String> names = ClassNames.of(data.path, classes);
                    print(model, dir.directory() + ", " + e.dataSet() + " split", e, names);
                    if (plots != null) {
                        plotConfusion(e, names);
                    }
                    json.print(report(e, names));
                }
            }
        }
        return 0;
    }

    /** The data, with every label checked against the model's classes; a label out of range names both counts. */
    private MnistDirectory openData(int classes) throws java.io.IOException {
        try {
            return DataDirectory.open(data.path, classes);
        } catch (DataFileException e) {
            if (e.field().startsWith("label ")) {
                throw new IllegalArgumentException("model " + modelFile.path + " predicts " + classes + " classes (0.."
                        + (classes - 1) + ") but " + e.file() + " holds " + e.field() + " = " + e.found(), e);
            }
            throw e;
        }
    }

    /**
     * A CSV file with a label column, read with the model's classes (the names its file keeps, else indices), so a
     * label the model never learnt stops the run with its line and column.
     */
    private int evaluateTable(ModelIo.LoadedModel loaded) throws java.io.IOException {
        Model model = loaded.model();
        if (!model.loss().classification()) {
            return evaluateRegression(loaded);
        }
        requireFeatureColumns(model);
        int classes = ClassNames.count(modelFile.path, model.loss(), model.outputs(), "eval");
        List<String> kept = loaded.metadata().classNames();
        List<String> names = kept.size() == classes ? kept : ClassNames.indices(classes);
        try (Table table = CsvReader.read(data.path, CsvOptions.classification(data.label).withClasses(names))) {
            DataSet set = table.dataSet();
            requireInputs(model, set, data.path.toString());
            FeatureColumns.requireSame("model " + modelFile.path, loaded.metadata().featureNames(), data.path.toString(),
                    table.featureNames());
            Evaluation e = evaluate(loaded, set, data.path.toString());
            print(model, data.path.toString(), e, names);
            if (plots != null) {
                plotConfusion(e, names);
            }
            json.print(report(e, names));
        }
        return 0;
    }

    /**
     * The model's evaluation on {@code set}, refused when its loss is not finite: the outputs of some rows overflowed
     * float32 (weights or inputs too large), and the accuracy would count each such row as class 0 (the argmax of
     * NaN logits), or RMSE and R² would be NaN, under a report that looks like any other.
     */
    private Evaluation evaluate(ModelIo.LoadedModel loaded, DataSet set, String where) {
        Evaluation e;
        if (rowWeights != null) {
            e = RowByRowEvaluation.of(loaded.model(), loaded.normalization(), rowWeights, set);
        } else {
            try (Evaluator evaluator = new Evaluator(set, loaded.normalization(), Evaluator.DEFAULT_BATCH)) {
                e = evaluator.evaluate(loaded.model());
            }
        }
        if (!Double.isFinite(e.loss())) {
            throw new IllegalArgumentException("model " + modelFile.path + " on " + where + ": the loss is " + e.loss()
                    + ": the model's outputs are not finite for some rows (its weights or these inputs overflow float32),"
                    + " so no accuracy or error can be reported");
        }
        return e;
    }

    /** A regression model on a CSV file whose label column holds the real-valued target: RMSE, MAE, R². */
    private int evaluateRegression(ModelIo.LoadedModel loaded) throws java.io.IOException {
        Model model = loaded.model();
        try (Table table = CsvReader.read(data.path, CsvOptions.regression(data.label))) {
            DataSet set = table.dataSet();
            requireInputs(model, set, data.path.toString());
            FeatureColumns.requireSame("model " + modelFile.path, loaded.metadata().featureNames(), data.path.toString(),
                    table.featureNames());
            if (model.outputs() != set.targetWidth()) {
                throw new IllegalArgumentException("model " + modelFile.path + " predicts " + model.outputs()
                        + " values per sample but " + data.path + " has " + set.targetWidth() + " target column");
            }
            Evaluation e = evaluate(loaded, set, data.path.toString());
            RegressionMetrics m = e.regression();
            System.out.printf("model     %s (%s, %s)%n", modelFile.path, model.spec().widths(), model.loss());
            System.out.printf("data      %s, %,d samples%n", data.path, e.count());
            System.out.printf(Locale.ROOT, "RMSE      %.4g%nMAE       %.4g%nR²        %.4f%nloss      %.4f%n", m.rmse(),
                    m.mae(), m.r2(), e.loss());
            if (plots != null) {
                System.out.println("wrote " + Plots.predictedVsActual(m.actual(), m.predicted(),
                        String.format(Locale.ROOT, "%s: predicted vs actual (R² %.4f)", data.path.getFileName(), m.r2()), plots));
            }
            if (json.requested) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", modelFile.path.toString());
                r.put("data", data.path.toString());
                r.put("count", e.count());
                r.put("loss", e.loss());
                r.put("rmse", m.rmse());
                r.put("mae", m.mae());
                r.put("r2", m.r2());
                JsonOutput.print(r);
            }
        }
        return 0;
    }

    /**
     * The CSV file's column count against the model's inputs plus the label, from its first line: the whole file is
     * parsed (and cached) before the data set can say, minutes for a large file that could never fit.
     */
    private void requireFeatureColumns(Model model) throws java.io.IOException {
        String first;
        try (TextLines lines = TextLines.open(data.path)) {
            first = lines.next();
        }
        if (first == null) {
            return;   // the reader names what is wrong with an empty file
        }
        int columns = CsvFormat.detect(first).texts(first).size();
        if (columns - 1 != model.inputs()) {
            throw new IllegalArgumentException("model " + modelFile.path + " takes " + model.inputs() + " inputs but "
                    + data.path + " has " + (columns - 1) + " feature columns (" + columns + " columns in its first line,"
                    + " one of them the label)");
        }
    }

    private void requireInputs(Model model, DataSet set, String source) {
        if (set.features() != model.inputs()) {
            throw new IllegalArgumentException("model " + modelFile.path + " takes " + model.inputs() + " inputs but "
                    + source + " has " + set.features() + " features per sample");
        }
    }

    private void print(Model model, String source, Evaluation e, List<String> classNames) {
        // Names from the user's data, on a terminal: escaped, and cut so that one long name cannot widen every row
        // (the JSON keeps them whole).
        List<String> names = classNames.stream().map(n -> UserText.safe(n, UserText.CELL_LIMIT)).toList();
        System.out.printf("model     %s (%s, %s)%n", modelFile.path, model.spec().widths(), model.loss());
        System.out.printf("data      %s, %,d samples%n", source, e.count());
        if (rowWeights != null) {
            System.out.printf("served    row by row, %s row weights%n", rowWeights.name().toLowerCase(Locale.ROOT));
        }
        System.out.printf("accuracy  %.2f%% (%,d of %,d)%n", 100 * e.accuracy(), Math.round(e.accuracy() * e.count()),
                e.count());
        System.out.printf("loss      %.4f%n%n", e.loss());
        if (e.confusion() == null) {
            System.out.printf("per-class figures and the confusion matrix are left out above %,d classes%n",
                    Evaluator.MAX_CONFUSION_CLASSES);
            return;
        }
        int nameWidth = Math.max(5, names.stream().mapToInt(String::length).max().orElse(0));
        System.out.printf("%-" + nameWidth + "s  %9s  %9s  %9s  %8s%n", "class", "precision", "recall", "f1", "support");
        for (int k = 0; k < e.classes(); k++) {
            System.out.printf("%-" + nameWidth + "s  %9s  %9s  %9s  %8d%n", names.get(k), percent(e.precision(k)),
                    percent(e.recall(k)), percent(f1(e, k)), support(e, k));
        }
        System.out.println();
        System.out.println("confusion matrix (rows: actual, columns: predicted)");
        System.out.print(confusionTable(e.confusion(), names));
    }

    private void plotConfusion(Evaluation e, List<String> names) throws java.io.IOException {
        if (e.confusion() == null) {
            System.out.printf("no confusion-matrix.png: the model has more than %,d classes%n",
                    Evaluator.MAX_CONFUSION_CLASSES);
        } else {
            System.out.println("wrote " + Plots.confusionMatrix(e.confusion(), names, plots));
        }
    }

    /** The counts as aligned text; columns are headed by class index, rows by index and name. */
    static String confusionTable(long[][] counts, List<String> names) {
        int k = counts.length;
        long max = 0;
        for (long[] row : counts) {
            for (long c : row) {
                max = Math.max(max, c);
            }
        }
        int cell = Math.max(Long.toString(max).length(), Integer.toString(k - 1).length()) + 1;
        int label = 0;
        for (int a = 0; a < k; a++) {
            label = Math.max(label, rowLabel(a, names).length());
        }
        StringBuilder out = new StringBuilder(" ".repeat(label));
        for (int p = 0; p < k; p++) {
            out.append(String.format("%" + cell + "d", p));
        }
        out.append('\n');
        for (int a = 0; a < k; a++) {
            out.append(String.format("%-" + label + "s", rowLabel(a, names)));
            for (int p = 0; p < k; p++) {
                out.append(String.format("%" + cell + "d", counts[a][p]));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String rowLabel(int k, List<String> names) {
        String name = names.get(k);
        return name.equals(Integer.toString(k)) ? name : k + " " + name;
    }

    /** Harmonic mean of precision and recall; NaN when either is undefined, 0 when both are 0. */
    static double f1(Evaluation e, int k) {
        double p = e.precision(k);
        double r = e.recall(k);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    static long support(Evaluation e, int k) {
        long n = 0;
        for (long c : e.confusion()[k]) {
            n += c;
        }
        return n;
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.2f%%", 100 * v);
    }

    private Map<String, Object> report(Evaluation e, List<String> names) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", modelFile.path.toString());
        r.put("data", (data.path != null ? data.path : DataDirectory.DEFAULT).toString());
        r.put("split", e.dataSet());
        r.put("accuracy", e.accuracy());
        r.put("loss", e.loss());
        r.put("count", e.count());
        if (rowWeights != null) {
            r.put("row_weights", rowWeights.name().toLowerCase(Locale.ROOT));
        }
        List<Object> perClass = new ArrayList<>();
        for (int k = 0; k < e.classes(); k++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("class", k);
            c.put("name", names.get(k));
            c.put("precision", e.precision(k));
            c.put("recall", e.recall(k));
            c.put("f1", f1(e, k));
            c.put("support", support(e, k));
            perClass.add(c);
        }
        List<Object> confusion = null;
        if (e.confusion() != null) {
            confusion = new ArrayList<>();
            for (long[] row : e.confusion()) {
                confusion.add(java.util.Arrays.stream(row).boxed().toList());
            }
        }
        r.put("per_class", e.confusion() == null ? null : perClass);
        r.put("confusion", confusion);
        return r;
    }
}

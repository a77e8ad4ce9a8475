package dev.gatun.data;

import dev.gatun.csv.CsvFormat;
import dev.gatun.csv.TextLines;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipException;

/**
 * Reads a CSV table (plain or gzipped) of numeric features and one label column into a {@link Table}: parsed once,
 * streaming, into a cache file that is then memory-mapped, so a file of any size needs a constant amount of heap (a
 * line, a row of floats, two 1 MB buffers and the distinct class names, at most {@link #MAX_CLASSES}). The cache entry is keyed by the file's real path, size
 * and modification time and by the options, so an unchanged file is never parsed twice.
 *
 * <p>Cells follow the rules of {@code csv.CsvFormat} (delimiter, quotes, decimal commas, a header line when the first
 * line holds no number). Every cell but the label's must be a finite number. Class labels may be any text; without fixed
 * {@link CsvOptions#classes()} the classes are the distinct values sorted, numerically when all are numbers (so
 * labels 0..9, or 0.0..9.0, are classes 0..9), as text otherwise; one number written two ways ({@code 1} and
 * {@code 1.0}) is refused rather than read as two classes. The first bad row stops the read with a
 * {@link DataFileException} naming the file, the line (1-based, counting the header and blank lines) and the column
 * (1-based), what was expected and what was found.
 */
public final class CsvReader {
    private static final Logger LOG = LoggerFactory.getLogger(CsvReader.class);
    /**
     * The most distinct class labels a file may hold. Their names are the one thing kept on the heap while parsing,
     * so a label column of unique values (an id, a real-valued target read as classes) must stop early, not fill it.
     */
    public static final int MAX_CLASSES = 65_536;
    /** Part of the cache key: a change to how files are parsed must not reuse entries parsed the old way. */
    private static final int PARSER_VERSION = 4;
    /**
     * A label written as a decimal number: {@code 7}, {@code -2}, {@code 1.0}, {@code .5}, {@code 3e2}. Possessive,
     * so that a long run of digits followed by a letter fails in one pass, not by backtracking through every split.
     */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d++(\\.\\d*+)?|\\.\\d++)([eE][+-]?\\d++)?");
    private static final String SUFFIX = ".table";
    /**
     * What pandas (and R) write for a missing value. Among numeric labels one of these is a hole in the data, not a
     * class: trained as one, it also turned the class order from numeric to text (labels 0..10 and {@code nan} gave
     * classes 0, 1, 10, 2, ..., so label 2 became class 3).
     */
    private static final Set<String> MISSING_MARKERS = Set.of("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
            "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

    private final Path file;
    private final CsvOptions options;
    private final Map<String, Integer> classIds = new HashMap<>();
    private final List<String> firstSeen = new ArrayList<>();
    /** With fixed classes: each label seen and its class, so a label read by value is parsed once, not per row. */
    private final Map<String, Integer> fixedIndexOf = new HashMap<>();
    private FixedClasses fixedClasses;
    /** The first spelling seen of each number among the labels, so that {@code 1} and {@code 1.0} are not two classes. */
    private final Map<BigDecimal, String> spellingOf = new HashMap<>();
    /** The line each missing-value marker was first seen on as a label. */
    private final Map<String, Long> markerLines = new HashMap<>();
    private CsvFormat format;
    private int columns;
    private int labelColumn = -1;
    private List<String> featureNames = List.of();
    private long line;

    private CsvReader(Path file, CsvOptions options) {
        this.file = file;
        this.options = options;
    }

    /**
     * The table in {@code file}, from the cache when this version of the file was read with these options before.
     *
     * @throws DataFileException the file is missing, empty, or a row is malformed (naming line and column)
     */
    public static Table read(Path file, CsvOptions options) throws IOException {
        BasicFileAttributes attributes = IdxCache.attributesOf(file);
        Path entry = entryFor(file, attributes, options);
        String name = file.getFileName().toString();
        if (Files.isRegularFile(entry)) {
            Table cached = TableFile.open(entry, name);
            if (cached != null) {
                return cached;
            }
            Files.deleteIfExists(entry);
        }
        Path temporary = CacheEntries.partialFile(entry);
        try {
            long rows;
            try {
                rows = new CsvReader(file, options).parseInto(temporary);
            } catch (ZipException | EOFException broken) {
                throw DataFileException.brokenGzip(file, broken);
            }
            IdxCache.moveIntoPlace(temporary, entry);
            LOG.info("parsed {} into {} ({} rows)", file, entry, rows);
            CacheEntries.removeStale(entry, file.getFileName().toString(), SUFFIX);
        } finally {
            Files.deleteIfExists(temporary);
        }
        Table table = TableFile.open(entry, name);
        if (table == null) {
            throw new IOException("the table cache entry " + entry + " was changed while it was being opened");
        }
        return table;
    }

    /** One entry per file and reading options; a new version of the file, or of the parser, replaces it. */
    private static Path entryFor(Path file, BasicFileAttributes attributes, CsvOptions options) throws IOException {
        // Each class with its length: joined by a separator, the classes ["a<tab>b"] and ["a", "b"] shared an entry,
        // and the second read got the first's class list.
        StringBuilder classes = new StringBuilder();
        options.classes().forEach(c -> classes.append(c.length()).append(':').append(c));
        String source = file.toRealPath() + "\n" + options.label().length() + ":" + options.label() + "\n"
                + options.regression() + "\n" + classes;
        String version = PARSER_VERSION + "\n" + CacheEntries.fileVersion(file, attributes);
        return CacheEntries.entry(options.cache().directory().resolve("csv"), file.getFileName().toString(), source,
                version, SUFFIX);
    }

    private long parseInto(Path target) throws IOException {
        try (TextLines in = TextLines.open(file)) {
            String first = firstLine(in);
            int features = columns - 1;
            float[] row = new float[features];
            float[] target1 = new float[1];
            try (TableFile.Writer out = new TableFile.Writer(target, features, options.regression() ? 1 : 0)) {
                String s = first;
                while (s != null) {
                    if (!s.isBlank()) {
                        if (out.rows() >= DataSet.MAX_SAMPLES) {
                            throw error("line " + line, "at most " + DataSet.MAX_SAMPLES + " rows", "more");
                        }
                        int label = parse(s, row, target1);
                        if (options.regression()) {
                            out.add(row, target1);
                        } else {
                            out.add(row, label);
                        }
                    }
                    s = nextLine(in);
                }
                if (out.rows() == 0) {
                    throw error("rows", "at least one data row after the header", "none");
                }
                if (options.regression()) {
                    out.finish(null, 0, featureNames, List.of());
                } else {
                    List<String> classes = options.classes().isEmpty() ? sortedClasses() : options.classes();
                    out.finish(remap(classes), classes.size(), featureNames, classes);
                }
                return out.rows();
            }
        }
    }

    private String nextLine(TextLines in) throws IOException {
        String s;
        try {
            s = in.next();
        } catch (TextLines.TooLong e) {
            throw error("line " + e.line(), "at most " + e.maxChars() + " characters per line", "more ("
                    + TextLines.WHY + ")");
        } catch (TextLines.NotUtf8 e) {
            throw error("line " + e.line(), "UTF-8 text", "the bytes " + e.bytes()
                    + " (a Latin-1 or Windows-1252 file?): save it as UTF-8");
        }
        if (s != null) {
            line++;
            if (line == 1 && s.startsWith("\uFEFF")) {
                s = s.substring(1);
            }
        }
        return s;
    }

    /**
     * Reads up to the first data line: detects the format, takes the header's names, finds the label column. Returns
     * the first data line (or null when the file has none).
     */
    private String firstLine(TextLines in) throws IOException {
        String s = nextLine(in);
        while (s != null && s.isBlank()) {
            s = nextLine(in);
        }
        if (s == null) {
            throw error("file", "a CSV table with a label column", "no lines");
        }
        format = CsvFormat.detect(s);
        columns = format.columns(s);
        if (columns < 2) {
            throw error("line " + line, "at least two columns separated by commas, semicolons, tabs or bars (features"
                    + " and the label)", "one column");
        }
        List<String> header = null;
        if (format.isHeader(s) || namesTheLabel(s) || numbersTheColumns(s)) {
            header = format.texts(s);
        }
        labelColumn = labelColumn(header);
        if (header != null) {
            List<String> names = new ArrayList<>(header);
            names.remove(labelColumn);
            featureNames = names;
            s = nextLine(in);
        }
        return s;
    }

    /**
     * Whether a first line that holds numbers is still a header: one of its cells is the label column's name (not a
     * column number). Column names such as {@code 0,1,2,label}, as pandas writes integer column names, are numbers.
     */
    private boolean namesTheLabel(String s) {
        String label = options.label().strip();
        return !label.chars().allMatch(Character::isDigit) && format.texts(s).contains(label);
    }

    /**
     * Whether a first line of numbers is the header pandas writes for a frame without column names: {@code 0,1,...,n−1},
     * one per column. Read as a row, it became a sample of its own. With one or two columns a first row {@code 0,1} is
     * as likely as such a header, so the rule waits for three ({@link #MIN_NUMBERED_HEADER}); when it applies, stderr
     * says so, and which column {@code --label} then names (a header's name comes before a column number).
     */
    private boolean numbersTheColumns(String s) {
        List<String> cells = format.texts(s);
        if (cells.size() < MIN_NUMBERED_HEADER) {
            return false;
        }
        for (int c = 0; c < cells.size(); c++) {
            if (!cells.get(c).equals(Integer.toString(c))) {
                return false;
            }
        }
        String label = options.label().strip();
        int named = cells.indexOf(label);
        // Logged, not printed: a library writing to a service's stderr is noise it cannot turn off (the command
        // line shows INFO).
        LOG.info("{}: line {} is read as its header: its cells number the columns from 0, as pandas writes them{}",
                file, line, named < 0 ? "" : "; the label " + CsvFormat.quote(label) + " is the column of that name,"
                        + " column " + (named + 1) + " counting from 1");
        return true;
    }

    /** The fewest columns for which a first line {@code 0,1,...} is taken as the header. */
    static final int MIN_NUMBERED_HEADER = 3;

    /** The label column's 0-based index: the header cell of that name, else the column number counting from 1. */
    private int labelColumn(List<String> header) throws DataFileException {
        String label = options.label().strip();
        if (header != null && header.contains(label)) {
            return header.indexOf(label);
        }
        try {
            int number = Integer.parseInt(label);
            if (number >= 1 && number <= columns) {
                return number - 1;
            }
        } catch (NumberFormatException notANumber) {
            // a name the header lacks: reported below
        }
        String found = header == null ? "no header line, and " + CsvFormat.quote(label) + " is not a column number"
                : "columns " + CsvFormat.quote(String.join(", ", header));
        throw error("label column", "a column named " + CsvFormat.quote(label) + " or numbered 1.." + columns, found);
    }

    /** Parses one data line into {@code row} (features) and the label's provisional class id or the target. */
    private int parse(String s, float[] row, float[] target) throws DataFileException {
        int found = format.columns(s);
        if (found != columns) {
            throw error("line " + line, columns + " columns separated by " + format.delimiterName()
                    + " (as the first line)", Integer.toString(found));
        }
        int label = -1;
        int from = 0;
        int j = 0;
        for (int c = 0; c < columns; c++) {
            int to = format.cellEnd(s, from);
            if (c == labelColumn) {
                if (options.regression()) {
                    target[0] = number(s, from, to, c, "a finite target value");
                } else {
                    label = classOf(format.text(s, from, to), c);
                }
            } else {
                row[j++] = number(s, from, to, c, "a finite number");
            }
            from = to + 1;
        }
        return label;
    }

    private float number(String s, int from, int to, int column, String expected) throws DataFileException {
        float v = format.number(s, from, to);
        if (Float.isNaN(v)) {
            String cell = format.text(s, from, to);
            throw error("line " + line + " column " + (column + 1), expected,
                    cell.isEmpty() ? "an empty cell" : CsvFormat.quote(cell));
        }
        return v;
    }

    /** The class id of a label: its index in the fixed classes, or a provisional id in the order first seen. */
    private int classOf(String label, int column) throws DataFileException {
        if (label.isEmpty()) {
            throw error("line " + line + " column " + (column + 1), "a label", "an empty cell");
        }
        List<String> fixed = options.classes();
        if (!fixed.isEmpty()) {
            Integer known = fixedIndexOf.get(label);
            if (known != null) {
                return known;
            }
            int index = fixedClasses().byName().getOrDefault(label, -1);
            if (index < 0) {
                index = classIndex(label, fixedClasses());
            }
            if (index >= 0 && fixedIndexOf.size() < MAX_CLASSES) {
                fixedIndexOf.put(label, index);
            }
            if (index < 0) {
                throw error("line " + line + " column " + (column + 1), "one of the " + fixed.size()
                        + " classes " + CsvFormat.quote(String.join(", ", fixed)), CsvFormat.quote(label));
            }
            return index;
        }
        Integer id = classIds.get(label);
        if (id == null) {
            if (firstSeen.size() == MAX_CLASSES) {
                throw error("line " + line + " column " + (column + 1), "at most " + MAX_CLASSES + " distinct class"
                        + " labels (a real-valued target is a regression)", "a new label " + CsvFormat.quote(label)
                        + " after " + MAX_CLASSES + " others");
            }
            BigDecimal number = decimal(label);
            if (number != null) {
                String other = spellingOf.putIfAbsent(number, label);
                if (other != null) {
                    throw error("line " + line + " column " + (column + 1), "one spelling per class label ("
                            + CsvFormat.quote(other) + ", on an earlier line, is the same number)", CsvFormat.quote(label));
                }
            } else if (MISSING_MARKERS.contains(label)) {
                markerLines.put(label, line);
            }
            id = firstSeen.size();
            classIds.put(label, id);
            firstSeen.add(label);
        }
        return id;
    }

    /**
     * A label that names no class may still name one by value, or be a class index. When the classes are numbers, a
     * label is the class of the same value ({@code 2} is class {@code 2.0}); when none is, a label whose value is a
     * whole number k is class k (a model trained on images with named classes, evaluated on a CSV file of digits).
     */
    private static int classIndex(String label, FixedClasses classes) {
        BigDecimal value = decimal(label);
        if (value == null) {
            return -1;
        }
        if (!classes.byValue().isEmpty()) {
            return classes.byValue().getOrDefault(value, -1);
        }
        // Any spelling of a whole number is an index: 1, 01, +1 and 1.0 alike.
        if (value.signum() < 0 || value.scale() > 0 || value.compareTo(BigDecimal.valueOf(classes.count())) >= 0) {
            return -1;
        }
        return value.intValue();
    }

    /**
     * The fixed classes looked up by name and by value (the first class of each), built once: searched through the
     * list per label, 65,536 classes and as many labels spelt another way took minutes.
     */
    private record FixedClasses(int count, Map<String, Integer> byName, Map<BigDecimal, Integer> byValue) {
        static FixedClasses of(List<String> classes) {
            Map<String, Integer> byName = new HashMap<>();
            Map<BigDecimal, Integer> byValue = new HashMap<>();
            for (int i = 0; i < classes.size(); i++) {
                byName.putIfAbsent(classes.get(i), i);
                BigDecimal value = decimal(classes.get(i));
                if (value != null) {
                    byValue.putIfAbsent(value, i);   // stripped of trailing zeros: 1.0 and 1 are one key
                }
            }
            return new FixedClasses(classes.size(), byName, byValue);
        }
    }

    private FixedClasses fixedClasses() {
        if (fixedClasses == null) {
            fixedClasses = FixedClasses.of(options.classes());
        }
        return fixedClasses;
    }

    /** The label's value when it is written as a decimal number, else null; {@code 1.0} and {@code 1} are equal. */
    private static BigDecimal decimal(String label) {
        if (!DECIMAL.matcher(label).matches()) {
            return null;
        }
        try {
            return new BigDecimal(label).stripTrailingZeros();
        } catch (NumberFormatException | ArithmeticException exponentOutOfRange) {
            return null;
        }
    }

    private List<String> sortedClasses() throws DataFileException {
        requireNoMissingAmongNumbers();
        if (spellingOf.size() == firstSeen.size()) {   // every label is a number: by value (one spelling each)
            return new ArrayList<>(new TreeMap<>(spellingOf).values());
        }
        List<String> sorted = new ArrayList<>(firstSeen);
        sorted.sort(null);
        return sorted;
    }

    /** Labels that are numbers but for missing-value markers: the first marker's line is refused. */
    private void requireNoMissingAmongNumbers() throws DataFileException {
        if (markerLines.isEmpty() || spellingOf.isEmpty() || spellingOf.size() + markerLines.size() != firstSeen.size()) {
            return;
        }
        Map.Entry<String, Long> first = markerLines.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
        throw error("line " + first.getValue() + " column " + (labelColumn + 1), "a class label (the other "
                + spellingOf.size() + " distinct labels are numbers)", CsvFormat.quote(first.getKey()) + ", a missing value: drop"
                + " the row or give it its class");
    }

    /** Provisional id (order first seen) to final class index; the identity when the classes were fixed. */
    private int[] remap(List<String> classes) {
        if (!options.classes().isEmpty()) {
            int[] identity = new int[classes.size()];
            Arrays.setAll(identity, i -> i);
            return identity;
        }
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            position.put(classes.get(i), i);
        }
        int[] remap = new int[firstSeen.size()];
        for (int i = 0; i < remap.length; i++) {
            remap[i] = position.get(firstSeen.get(i));
        }
        return remap;
    }

    private DataFileException error(String field, String expected, String found) {
        return new DataFileException(file, field, DataFileException.NO_OFFSET, expected, found);
    }
}

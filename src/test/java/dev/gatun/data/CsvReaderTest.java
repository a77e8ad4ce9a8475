package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSV tables into the off-heap cache: formats, label columns, classes, the cache, and one line per bad row. */
class CsvReaderTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private CsvOptions options(String label) {
        return CsvOptions.classification(label).withCache(IdxCache.at(dir.resolve("cache")));
    }

    private static float feature(DataSet data, int i, int j) {
        return data.row(i).getAtIndex(ValueLayout.JAVA_FLOAT, j);
    }

    @Test
    void headerNamesTheLabelColumnAndStringClassesAreSorted() throws IOException {
        Path file = csv("iris.csv", "sepal,petal,species\n5.1,1.4,setosa\n\n7.0,4.7,versicolor\n6.3,6.0,\"virginica\"\n4.9,1.5,setosa\n");
        try (Table table = CsvReader.read(file, options("species"))) {
            DataSet data = table.dataSet();
            assertEquals(4, data.size());
            assertEquals(2, data.features());
            assertEquals(List.of("sepal", "petal"), table.featureNames());
            assertEquals(List.of("setosa", "versicolor", "virginica"), table.classNames());
            assertEquals(List.of(0, 1, 2, 0), List.of(data.label(0), data.label(1), data.label(2), data.label(3)));
            assertEquals(7.0f, feature(data, 1, 0));
            assertEquals(6.0f, feature(data, 2, 1));
        }
    }

    @Test
    void integerLabelsAreSortedNumericallyAndTheLabelMayBeNumbered() throws IOException {
        Path file = csv("digits.tsv", "10\t0.5\t1\n2\t\"1,5\"\t2\n1\t-3e2\t3\n");
        try (Table table = CsvReader.read(file, options("1"))) {
            DataSet data = table.dataSet();
            assertEquals(List.of("1", "2", "10"), table.classNames());
            assertEquals(List.of(2, 1, 0), List.of(data.label(0), data.label(1), data.label(2)));
            assertTrue(table.featureNames().isEmpty());
            assertEquals(-300f, feature(data, 2, 0));
            assertEquals(3f, feature(data, 2, 1));
        }
        Path semicolons = csv("decimal.csv", "x;y;label\n0,25;1;a\n1,5;2;b\n");
        try (Table table = CsvReader.read(semicolons, options("label"))) {
            assertEquals(0.25f, feature(table.dataSet(), 0, 0), "a decimal comma reads as a point");
        }
    }

    @Test
    void decimalLabelsAreSortedByValueAndOneNumberWrittenTwoWaysIsRefused() throws IOException {
        // pandas writes an integer label column that held a missing value as 1.0, 2.0, ...: still classes by value.
        Path floats = csv("floats.csv", "x,label\n1,10.0\n2,2.0\n3,-1.5\n4,2.0\n");
        try (Table table = CsvReader.read(floats, options("label"))) {
            assertEquals(List.of("-1.5", "2.0", "10.0"), table.classNames());
            DataSet data = table.dataSet();
            assertEquals(List.of(2, 1, 0, 1), List.of(data.label(0), data.label(1), data.label(2), data.label(3)));
        }
        String[][] twoSpellings = {{"1", "1.0"}, {"7", "07"}, {"0", "-0"}, {"300", "3e2"}, {"0.5", ".50"}};
        for (String[] pair : twoSpellings) {
            Path file = csv("mixed.csv", "x,label\n1," + pair[0] + "\n2,2\n3," + pair[1] + "\n");
            var e = assertThrows(DataFileException.class, () -> CsvReader.read(file, options("label")), pair[1]);
            assertEquals(file + ": line 4 column 2: expected one spelling per class label ('" + pair[0]
                    + "', on an earlier line, is the same number), found '" + pair[1] + "'", e.getMessage());
        }
        Path words = csv("words.csv", "x,label\n1,1\n2,one\n3,1a\n4,1e\n");
        try (Table table = CsvReader.read(words, options("label"))) {
            assertEquals(List.of("1", "1a", "1e", "one"), table.classNames(), "not all numbers: sorted as text");
        }
    }

    @Test
    void aMissingValueMarkerAmongNumericLabelsIsRefusedButIsAClassAmongWords() throws IOException {
        StringBuilder numbers = new StringBuilder("x,label\n");
        for (int k = 0; k <= 10; k++) {
            numbers.append(k).append(',').append(k).append('\n');
        }
        numbers.append("11,nan\n12,NA\n");
        Path file = csv("holes.csv", numbers.toString());
        var e = assertThrows(DataFileException.class, () -> CsvReader.read(file, options("label")));
        assertEquals(file + ": line 13 column 2: expected a class label (the other 11 distinct labels are numbers),"
                + " found 'nan', a missing value: drop the row or give it its class", e.getMessage());
        // Among words, "None" is as likely a class as a hole: it stays one.
        try (Table t = CsvReader.read(csv("words.csv", "x,severity\n1,low\n2,None\n3,high\n"), options("severity"))) {
            assertEquals(List.of("None", "high", "low"), t.classNames());
        }
    }

    @Test
    void aTieBetweenCommasAndSemicolonsIsADecimalComma() throws IOException {
        // One comma and one semicolon a line: read with commas, "2,38;0" was the feature 2 and the label "38;0".
        Path file = csv("tie.csv", "2,38;0\n1,5;1\n0,25;0\n");
        try (Table table = CsvReader.read(file, options("2"))) {
            assertEquals(List.of("0", "1"), table.classNames());
            assertEquals(2.38f, feature(table.dataSet(), 0, 0));
            assertEquals(0.25f, feature(table.dataSet(), 2, 0));
        }
    }

    @Test
    void moreDecimalCommasThanSemicolonsIsStillADecimalComma() throws IOException {
        // Three commas and two semicolons: read with commas, line 1 column 2 was "5;1".
        Path file = csv("regression.csv", "0,5;1,25;2,5\n1,5;-2,5e1;1,5\n");
        try (Table table = CsvReader.read(file, options("3"))) {
            assertEquals(0.5f, feature(table.dataSet(), 0, 0));
            assertEquals(1.25f, feature(table.dataSet(), 0, 1));
            assertEquals(-25f, feature(table.dataSet(), 1, 1));
            assertEquals(2, table.classNames().size(), table.classNames().toString());
        }
        // Commas that already split the line into numbers keep it comma-separated, padding and all: split on the
        // tabs, "1,\t2,3" would be the decimal-comma cells "1," and "2,3".
        try (Table table = CsvReader.read(csv("padded.csv", "1,\t2,0\n3,\t4,1\n"), options("3"))) {
            assertEquals(2, table.dataSet().features());
            assertEquals(4f, feature(table.dataSet(), 1, 1));
        }
        // A comma-separated line whose cells hold semicolons but are not numbers stays comma-separated.
        try (Table table = CsvReader.read(csv("notes.csv", "1,2,a;b\n3,4,c;d\n"), options("3"))) {
            assertEquals(List.of("a;b", "c;d"), table.classNames());
        }
    }

    @Test
    void aHeaderOfNumberNamesIsAHeaderWhenItNamesTheLabel() throws IOException {
        // pandas writes integer column names as numbers: the line holds numbers, but it names the label column.
        Path file = csv("numbered.csv", "0,1,label\n0.5,1.5,a\n2.5,3.5,b\n");
        try (Table table = CsvReader.read(file, options("label"))) {
            assertEquals(2, table.dataSet().size());
            assertEquals(List.of("0", "1"), table.featureNames());
            assertEquals(List.of("a", "b"), table.classNames());
        }
    }

    @Test
    void aFirstLineNumberingTheColumnsFromZeroIsAHeader() throws IOException {
        // pandas' to_csv(index=False) of a frame without column names: a header 0,1,...,n-1 of numbers.
        Path file = csv("unnamed.csv", "0,1,2,3\n0.5,1.5,2.5,a\n3.5,4.5,5.5,b\n");
        try (Table table = CsvReader.read(file, options("4"))) {
            assertEquals(2, table.dataSet().size(), "the header is not a sample");
            assertEquals(List.of("0", "1", "2"), table.featureNames());
            assertEquals(List.of("a", "b"), table.classNames());
            assertEquals(0.5f, feature(table.dataSet(), 0, 0));
        }
        // A header's name comes before a column number: "3" is the column named 3, the fourth.
        try (Table table = CsvReader.read(file, options("3"))) {
            assertEquals(List.of("a", "b"), table.classNames());
        }
        // Two columns 0,1 are as likely a row as a header: a row.
        Path pair = csv("pair.csv", "0,1\n2,1\n3,0\n");
        try (Table table = CsvReader.read(pair, options("2"))) {
            assertEquals(3, table.dataSet().size());
            assertEquals(List.of("0", "1"), table.classNames());
        }
        // Numbers that are not 0..n-1 in order are a row.
        Path row = csv("row.csv", "0,2,1,5\n1,1,1,6\n");
        try (Table table = CsvReader.read(row, options("4"))) {
            assertEquals(2, table.dataSet().size());
        }
    }

    @Test
    void fixedClassesKeepTheirIndicesAndRefuseUnknownLabels() throws IOException {
        Path file = csv("test.csv", "a,b,y\n1,2,cat\n3,4,dog\n");
        try (Table table = CsvReader.read(file, options("y").withClasses(List.of("dog", "cat", "eel")))) {
            assertEquals(1, table.dataSet().label(0));
            assertEquals(0, table.dataSet().label(1));
            assertEquals(3, table.dataSet().classes());
        }
        // Each fixed list has its own cache entry, however its names could be joined: read with ["x", "y"] after
        // ["x<tab>y"], the file's label x<tab>y is not a class (joined by tabs, the two lists shared an entry).
        Path tabs = csv("tabs.csv", "a,y\n1,\"x\ty\"\n2,\"x\ty\"\n");
        try (Table one = CsvReader.read(tabs, options("y").withClasses(List.of("x\ty")))) {
            assertEquals(List.of("x\ty"), one.classNames());
        }
        var split = assertThrows(DataFileException.class,
                () -> CsvReader.read(tabs, options("y").withClasses(List.of("x", "y"))).close());
        assertTrue(split.getMessage().contains("expected one of the 2 classes"), split.getMessage());
        var e = assertThrows(DataFileException.class,
                () -> CsvReader.read(file, options("y").withClasses(List.of("cat", "eel"))));
        assertEquals(file + ": line 3 column 3: expected one of the 2 classes 'cat, eel', found 'dog'", e.getMessage());
        // Thousands of classes, looked up by name and by value (a search of the list per label took minutes).
        List<String> many = java.util.stream.IntStream.range(0, 30_000).mapToObj(k -> "c" + k).toList();
        Path wide = csv("wide.csv", "a,y\n1,c29999\n2,c7\n3,7.0\n");
        try (Table table = CsvReader.read(wide, options("y").withClasses(many))) {
            assertEquals(List.of(29_999, 7, 7), List.of(table.dataSet().label(0), table.dataSet().label(1),
                    table.dataSet().label(2)));
        }
        Path unlisted = csv("unlisted.csv", "a,y\n1,c30000\n");
        var tooMany = assertThrows(DataFileException.class, () -> CsvReader.read(unlisted, options("y").withClasses(many)));
        assertTrue(tooMany.getMessage().contains("expected one of the 30000 classes 'c0, c1, c2,")
                && tooMany.getMessage().endsWith(", found 'c30000'"), tooMany.getMessage());
        Path digits = csv("digits.csv", "p,label\n1,3\n2,0\n");
        try (Table table = CsvReader.read(digits, options("label").withClasses(List.of("T-shirt", "Trouser", "Pullover", "Dress")))) {
            assertEquals(3, table.dataSet().label(0), "integer labels index classes that have no integer names");
        }
        Path spellings = csv("spellings.csv", "p,label\n1,+1\n2,1.0\n3,01\n4,-0\n");
        try (Table table = CsvReader.read(spellings, options("label").withClasses(List.of("T-shirt", "Trouser", "Pullover")))) {
            DataSet data = table.dataSet();
            assertEquals(List.of(1, 1, 1, 0), List.of(data.label(0), data.label(1), data.label(2), data.label(3)),
                    "any spelling of a whole number is that index");
        }
        for (String notAnIndex : new String[] {"3", "0.5", "-1"}) {
            Path indexed = csv("index.csv", "p,label\n1," + notAnIndex + "\n");
            assertThrows(DataFileException.class,
                    () -> CsvReader.read(indexed, options("label").withClasses(List.of("T-shirt", "Trouser", "Pullover"))), notAnIndex);
        }
        // A model trained on labels 1.0, 2.0, 10.0 reads 2 and 10 by value, not 2 as an index (class 10.0).
        Path byValue = csv("values.csv", "p,label\n1,2\n2,10\n3,1.00\n");
        try (Table table = CsvReader.read(byValue, options("label").withClasses(List.of("1.0", "2.0", "10.0")))) {
            DataSet data = table.dataSet();
            assertEquals(List.of(1, 2, 0), List.of(data.label(0), data.label(1), data.label(2)));
        }
        Path unknown = csv("unknown.csv", "p,label\n1,0\n");
        var notAClass = assertThrows(DataFileException.class,
                () -> CsvReader.read(unknown, options("label").withClasses(List.of("1.0", "2.0", "10.0"))));
        assertTrue(notAClass.getMessage().endsWith("found '0'"), notAClass.getMessage());
    }

    @Test
    void regressionTargetsAreNumbers() throws IOException {
        Path file = csv("r.csv", "x1,x2,y\n1,2,0.5\n3,4,-1.25\n");
        try (Table table = CsvReader.read(file, CsvOptions.regression("y").withCache(IdxCache.at(dir.resolve("cache"))))) {
            DataSet data = table.dataSet();
            assertEquals(1, data.targetWidth());
            assertEquals(0.5f, data.target(0, 0));
            assertEquals(-1.25f, data.target(1, 0));
        }
        var e = assertThrows(DataFileException.class, () -> CsvReader.read(csv("bad.csv", "x,y\n1,high\n"),
                CsvOptions.regression("y").withCache(IdxCache.at(dir.resolve("cache")))));
        assertEquals(dir.resolve("bad.csv") + ": line 2 column 2: expected a finite target value, found 'high'", e.getMessage());
    }

    @Test
    void gzippedFilesAreReadAndBrokenOnesNamed() throws IOException {
        byte[] text = "a,y\n1,p\n2,q\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(packed)) {
            gz.write(text);
        }
        Path file = Files.write(dir.resolve("t.csv.gz"), packed.toByteArray());
        try (Table table = CsvReader.read(file, options("y"))) {
            assertEquals(List.of("p", "q"), table.classNames());
            assertEquals(2f, feature(table.dataSet(), 1, 0));
        }
        byte[] cut = java.util.Arrays.copyOf(packed.toByteArray(), packed.size() - 6);
        Path broken = Files.write(dir.resolve("cut.csv.gz"), cut);
        var e = assertThrows(DataFileException.class, () -> CsvReader.read(broken, options("y")));
        assertTrue(e.getMessage().startsWith(broken + ": gzip stream: expected a complete gzip stream"), e.getMessage());
    }

    @Test
    void aLabelColumnOfUniqueValuesStopsBeforeFillingTheHeap() throws IOException {
        StringBuilder csv = new StringBuilder("x,id\n");
        for (int i = 0; i <= CsvReader.MAX_CLASSES; i++) {
            csv.append(i).append(",id").append(i).append('\n');
        }
        Path file = csv("ids.csv", csv.toString());
        var e = assertThrows(DataFileException.class, () -> CsvReader.read(file, options("id")));
        assertTrue(e.getMessage().contains("line " + (CsvReader.MAX_CLASSES + 2) + " column 2: expected at most 65536"
                + " distinct class labels"), e.getMessage());
    }

    @Test
    void anUnchangedFileIsParsedOnce() throws IOException {
        Path file = csv("once.csv", "a,y\n1,0\n2,1\n");
        try (Table first = CsvReader.read(file, options("y"))) {
            assertEquals(2, first.rows());
        }
        Path entries = dir.resolve("cache").resolve("csv");
        try (var listing = Files.list(entries)) {
            assertEquals(1, listing.count());
        }
        Path entry;
        try (var listing = Files.list(entries)) {
            entry = listing.findFirst().orElseThrow();
        }
        long modified = Files.getLastModifiedTime(entry).toMillis();
        try (Table again = CsvReader.read(file, options("y"))) {
            assertEquals(2f, feature(again.dataSet(), 1, 0));
        }
        assertEquals(modified, Files.getLastModifiedTime(entry).toMillis(), "the cached entry is reused");
        Files.write(entry, new byte[] {1, 2, 3});
        try (Table rebuilt = CsvReader.read(file, options("y"))) {
            assertEquals(2, rebuilt.rows(), "a damaged entry is parsed again");
        }
        // Damage inside the names block: a name's length, then the first list's count, near 2^31.
        for (int field : new int[] {4, 0}) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(entry))
                    .order(java.nio.ByteOrder.nativeOrder());
            int names = Math.toIntExact(bytes.getLong(40));
            bytes.putInt(names + field, 0x7FFFFFF0);
            Files.write(entry, bytes.array());
            try (Table rebuilt = CsvReader.read(file, options("y"))) {
                assertEquals(List.of("a"), rebuilt.featureNames(), "a damaged names block is parsed again");
            }
        }
    }

    /**
     * Other bytes under the old size and modification time, as {@code cp -p} or {@code rsync -t} leave them, or a
     * quick rewrite on a file system with whole-second times: the cache must not answer with the old rows.
     */
    @Test
    void aRewriteThatKeepsSizeAndModificationTimeIsParsedAgain() throws IOException {
        Path file = csv("kept.csv", "a,y\n1,0\n2,1\n");
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(file);
        try (Table first = CsvReader.read(file, options("y"))) {
            assertEquals(2f, feature(first.dataSet(), 1, 0));
        }
        // In place (the same inode), as cp -p writes.
        Files.writeString(file, "a,y\n1,0\n7,1\n");
        Files.setLastModifiedTime(file, modified);
        try (Table inPlace = CsvReader.read(file, options("y"))) {
            assertEquals(7f, feature(inPlace.dataSet(), 1, 0), "the rewritten row, not the cached one");
        }
        // Replaced by a rename (another inode), as rsync writes.
        Path next = Files.writeString(dir.resolve("kept.csv.tmp"), "a,y\n1,0\n9,1\n");
        Files.setLastModifiedTime(next, modified);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try (Table renamed = CsvReader.read(file, options("y"))) {
            assertEquals(9f, feature(renamed.dataSet(), 1, 0), "the renamed file's row, not the cached one");
        }
    }

    /** A cache entry whose label was changed on disk is parsed again, not blamed on the user's CSV file. */
    @Test
    void aCacheEntryWithALabelOutOfRangeIsParsedAgain() throws IOException {
        Path file = csv("labels.csv", "a,b,y\n1,2,0\n3,4,1\n");
        try (Table first = CsvReader.read(file, options("y"))) {
            assertEquals(2, first.rows());
        }
        Path entry;
        try (var listing = Files.list(dir.resolve("cache").resolve("csv"))) {
            entry = listing.findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(entry);
        int label0 = TableFile.HEADER + 4 * 2 * 2;   // after two rows of two float32 features
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.nativeOrder()).putInt(label0, Integer.MAX_VALUE);
        Files.write(entry, bytes);
        try (Table rebuilt = CsvReader.read(file, options("y"))) {
            assertEquals(2, rebuilt.dataSet().classes());
            assertEquals(0, rebuilt.dataSet().label(0));
        }
    }

    @Test
    void everyBadRowIsOneLineNamingLineAndColumn() throws IOException {
        String header = "f1,f2,label\n";
        String[][] cases = {
                {"1,abc,0\n", "line 2 column 2: expected a finite number, found 'abc'"},
                {"1,2,0\n3,,1\n", "line 3 column 2: expected a finite number, found an empty cell"},
                {"NaN,2,0\n", "line 2 column 1: expected a finite number, found 'NaN'"},
                {"1,1e50,0\n", "line 2 column 2: expected a finite number, found '1e50'"},
                {"1,2\n", "line 2: expected 3 columns separated by commas (as the first line), found 2"},
                {"1,2,0,4\n", "line 2: expected 3 columns separated by commas (as the first line), found 4"},
                {"1,2, \n", "line 2 column 3: expected a label, found an empty cell"},
                {"1,\"2,0\n", "line 2: expected 3 columns separated by commas (as the first line), found 2"},
                {"1,\u001b[31m,0\n", "line 2 column 2: expected a finite number, found '\\x1b[31m'"},
                {"", "rows: expected at least one data row after the header, found none"},
        };
        for (String[] c : cases) {
            Path file = csv("bad.csv", header + c[0]);
            var e = assertThrows(DataFileException.class, () -> CsvReader.read(file, options("label")), c[0]);
            assertEquals(file + ": " + c[1], e.getMessage(), c[0]);
            assertFalse(e.getMessage().contains("\n"));
        }
        var label = assertThrows(DataFileException.class, () -> CsvReader.read(csv("l.csv", header + "1,2,0\n"), options("kind")));
        assertTrue(label.getMessage().contains("label column: expected a column named 'kind' or numbered 1..3, found columns"
                + " 'f1, f2, label'"), label.getMessage());
        var noHeader = assertThrows(DataFileException.class, () -> CsvReader.read(csv("n.csv", "1,2,0\n"), options("label")));
        assertTrue(noHeader.getMessage().contains("no header line"), noHeader.getMessage());
        var empty = assertThrows(DataFileException.class, () -> CsvReader.read(csv("e.csv", "\n\n"), options("label")));
        assertTrue(empty.getMessage().endsWith("found no lines"), empty.getMessage());
        // Latin-1 labels: decoded with replacement characters, Müller and Möller were one class.
        Path latin1 = Files.write(dir.resolve("latin1.csv"),
                (header + "1,2,M\u00fcller\n3,4,M\u00f6ller\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        var notUtf8 = assertThrows(DataFileException.class, () -> CsvReader.read(latin1, options("label")));
        assertEquals(latin1 + ": line 2: expected UTF-8 text, found the bytes 0xFC (a Latin-1 or Windows-1252 file?):"
                + " save it as UTF-8", notUtf8.getMessage());
        var missing = assertThrows(DataFileException.class, () -> CsvReader.read(dir.resolve("none.csv"), options("label")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
        try (var listing = Files.list(dir.resolve("cache").resolve("csv"))) {
            assertEquals(0, listing.filter(p -> p.toString().endsWith(".partial") || p.toString().endsWith(".labels")).count(),
                    "a failed parse leaves no temporary files");
        }
    }
}

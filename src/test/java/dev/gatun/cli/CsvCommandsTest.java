package dev.gatun.cli;

import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train} and {@code eval} on CSV files: splits, named classes in the model file, and one line per bad row. */
class CsvCommandsTest {
    private static final List<String> SPECIES = List.of("heron", "ibis", "stork");

    @TempDir
    Path dir;

    /** Three well-separated blobs in 3-D, named by species, the label in the middle column. */
    private Path blobs(String name, int n, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("x;species;y;z\n");
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            csv.append(String.format(java.util.Locale.ROOT, "%.4f;\"%s\";%.4f;%.4f%n", 4 * c + random.nextGaussian(),
                    SPECIES.get(c), 10 - 3 * c + random.nextGaussian(), random.nextGaussian()));
        }
        return Files.writeString(dir.resolve(name), csv.toString().replace('.', ','));
    }

    @Test
    void trainsOnATestSplitKeepsTheClassNamesAndEvaluatesAnotherFile() throws IOException {
        Path data = blobs("birds.csv", 600, 1);
        Path model = dir.resolve("birds.gatun");
        CommandRun run = gatun("train", "--data", data.toString(), "--label", "species", "--test-split", "0.25",
                "--epochs", "20", "--lr", "1e-2", "--batch", "32", "--out", model.toString(), "--json");
        assertEquals(0, run.exit(), run.toString());
        assertEquals(150, run.number("test_samples"), "a quarter of 600 rows");
        assertEquals(600 - 150 - 45, run.number("train_samples"), "the rest less a tenth of it for dev");
        assertTrue(run.number("test_accuracy") > 0.95, run.json());
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            ModelMetadata metadata = ModelIo.load(model, arena).metadata();
            assertEquals(SPECIES, metadata.classNames());
            assertEquals(List.of("x", "y", "z"), metadata.featureNames());
        }
        Path other = blobs("more-birds.csv", 300, 2);
        CommandRun eval = gatun("eval", "--model", model.toString(), "--data", other.toString(), "--label", "2", "--json");
        assertEquals(0, eval.exit(), eval.toString());
        assertEquals(300, eval.number("count"));
        assertTrue(eval.number("accuracy") > 0.95, eval.json());
        assertTrue(eval.err().contains("stork"), "per-class lines name the classes: " + eval.err());
        CommandRun.assertOneLineError(gatun("eval", "--model", model.toString(), "--data", other.toString(), "--label",
                "2", "--split", "train"), 2, "--split picks a split of an MNIST-format directory");
    }

    @Test
    void aCsvRunResumesFromItsCheckpointToTheSameModel() throws IOException {
        Path data = blobs("birds.csv", 300, 4);
        Path whole = dir.resolve("whole.gatun");
        Path halves = dir.resolve("halves.gatun");
        String[] common = {"--data", data.toString(), "--label", "species", "--test-split", "0.2", "--lr", "1e-2",
                "--batch", "16", "--json"};
        CommandRun straight = gatun(concat(common, "train", "--epochs", "4", "--out", whole.toString()));
        assertEquals(0, straight.exit(), straight.toString());
        assertEquals(0, gatun(concat(common, "train", "--epochs", "2", "--out", halves.toString())).exit());
        CommandRun resumed = gatun(concat(common, "train", "--resume", halves + ".checkpoint", "--epochs", "4"));
        assertEquals(0, resumed.exit(), resumed.toString());   // the first run's options again: the same values
        // Other values would be ignored, the checkpoint's configuration applying: refused, each named.
        CommandRun.assertOneLineError(gatun("train", "--resume", halves + ".checkpoint", "--epochs", "5", "--lr", "0.5",
                "--batch", "16", "--optimizer", "sgd"), 2, "these options differ: --optimizer SGD (the checkpoint's: ADAM),"
                + " --lr 0.5 (the checkpoint's: 0.01); drop them");
        CommandRun.assertOneLineError(gatun("train", "--resume", halves + ".checkpoint", "--epochs", "5", "--task",
                "regression"), 2, "--task regression (the checkpoint's: classification)");
        // Options compared one by one: a per-layer --dropout given alone does not meet the default layers.
        Path layered = dir.resolve("layered.gatun");
        assertEquals(0, gatun("train", "--data", data.toString(), "--label", "species", "--layers", "3,8,4,3",
                "--dropout", "0.8,0.9", "--epochs", "1", "--out", layered.toString()).exit());
        CommandRun sameDropout = gatun("train", "--resume", layered + ".checkpoint", "--epochs", "2", "--dropout", "0.8,0.9");
        assertEquals(0, sameDropout.exit(), sameDropout.toString());
        // The final model written over the checkpoint it resumes: the optimizer's state would be gone.
        CommandRun.assertOneLineError(gatun("train", "--resume", layered + ".checkpoint", "--epochs", "3", "--out",
                layered + ".checkpoint"), 2, "is the --resume file this run reads");
        for (String key : List.of("test_accuracy", "test_loss", "train_loss")) {
            assertEquals(straight.number(key), resumed.number(key), 0.0, key);
        }
        // Over the same file the test fraction decides which rows were trained on: another one, or a test file
        // instead, would test on (or draw the dev set from) trained rows.
        for (String[] test : List.of(new String[] {"--test-split", "0.3"}, new String[] {"--test", data.toString()})) {
            CommandRun.assertOneLineError(gatun(concat(test, "train", "--resume", halves + ".checkpoint", "--epochs",
                    "5")), 2, "the run held out --test-split 0.2; " + test[0] + " ", "rows it was trained on");
        }
        CommandRun.assertOneLineError(gatun("train", "--resume", layered + ".checkpoint", "--epochs", "3",
                "--test-split", "0.2"), 2, "the run held out no test fraction; --test-split 0.2");
        // The checkpoint keeps the file, the label column and the test split: resuming needs none of them again.
        Path again = dir.resolve("again.gatun");
        assertEquals(0, gatun(concat(common, "train", "--epochs", "2", "--out", again.toString())).exit());
        CommandRun bare = gatun("train", "--resume", again + ".checkpoint", "--epochs", "4", "--json");
        assertEquals(0, bare.exit(), bare.toString());
        assertTrue(bare.err().contains(" on " + data + ":"), "the run names the recorded file: " + bare.err());
        for (String key : List.of("test_accuracy", "test_loss", "train_loss", "test_samples", "train_samples")) {
            assertEquals(straight.number(key), bare.number(key), 0.0, key);
        }
        // A row appended to the recorded file: the test and dev rows would be drawn anew from the larger file. The
        // count compared is the file's, not the training rows': 302 to 303 rows keep 242 of them at --test-split 0.2.
        Files.writeString(data, Files.readString(data) + Files.readAllLines(data).get(1) + "\n");
        CommandRun.assertOneLineError(gatun("train", "--resume", again + ".checkpoint", "--epochs", "5"), 1,
                "the run drew its dev and test rows from 300 rows, " + data + " now has 301;",
                "Restore the data, or start a new run");
    }

    @Test
    void aResumedRunTakesOtherDataOnlyWithTheModelsFeaturesAndClasses() throws IOException {
        Path data = blobs("birds.csv", 200, 5);
        Path model = dir.resolve("birds.gatun");
        assertEquals(0, gatun("train", "--data", data.toString(), "--label", "species", "--epochs", "1", "--out",
                model.toString()).exit());
        String checkpoint = model + ".checkpoint";
        Path fewer = Files.writeString(dir.resolve("fewer.csv"), "x,species,y\n1,heron,2\n3,ibis,4\n5,stork,6\n");
        CommandRun.assertOneLineError(gatun("train", "--resume", checkpoint, "--epochs", "2", "--data", fewer.toString()),
                1, "its model takes 3 features per sample but " + fewer + " has 2");
        // eval says so from the file's first line, before it parses the file.
        CommandRun.assertOneLineError(gatun("eval", "--model", model.toString(), "--data", fewer.toString(), "--label",
                "species"), 1, "model " + model + " takes 3 inputs but " + fewer + " has 2 feature columns (3 columns in"
                + " its first line, one of them the label)");
        Path renamed = Files.writeString(dir.resolve("renamed.csv"), "x,species,y,w\n1,heron,2,0\n3,ibis,4,0\n");
        CommandRun.assertOneLineError(gatun("train", "--resume", checkpoint, "--epochs", "2", "--data",
                renamed.toString()), 1, renamed + " has the feature columns 'x, y, w' but --resume " + checkpoint
                + " was trained on 'x, y, z'");
        Path crane = Files.writeString(dir.resolve("crane.csv"), "x,species,y,z\n1,heron,2,0\n3,crane,4,0\n");
        CommandRun.assertOneLineError(gatun("train", "--resume", checkpoint, "--epochs", "2", "--data", crane.toString()),
                1, "line 3 column 2: expected one of the 3 classes 'heron, ibis, stork', found 'crane'");
        // Other rows of the same columns and classes: the run goes on over them, the test set given anew.
        Path more = blobs("more-birds.csv", 200, 6);
        CommandRun other = gatun("train", "--resume", checkpoint, "--epochs", "2", "--data", more.toString(),
                "--test-split", "0.5", "--json");
        assertEquals(0, other.exit(), other.toString());
        assertEquals(100, other.number("test_samples"), other.json());
    }

    /** The model reads columns by position: the same names in another order would be scored as if unswapped. */
    @Test
    void columnsInAnotherOrderThanTheModelsAreRefusedByEvalTestAndPredict() throws IOException {
        Path data = blobs("birds.csv", 200, 7);
        Path model = dir.resolve("birds.gatun");
        assertEquals(0, gatun("train", "--data", data.toString(), "--label", "species", "--epochs", "1", "--out",
                model.toString()).exit());
        String swapped = "' (the same names in another order: put the columns in the model's order)";
        Path labelled = Files.writeString(dir.resolve("swapped.csv"), "y;species;x;z\n1;heron;2;0\n3;ibis;4;0\n");
        CommandRun.assertOneLineError(gatun("eval", "--model", model.toString(), "--data", labelled.toString(),
                "--label", "species"), 1, labelled + " has the feature columns 'y, x, z' but model " + model
                + " was trained on 'x, y, z" + swapped);
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--epochs", "1",
                "--test", labelled.toString()), 1, "--test " + labelled + " has the feature columns 'y, x, z'", swapped);
        Path rows = Files.writeString(dir.resolve("rows.csv"), "y;x;z\n1;2;0\n");
        CommandRun.assertOneLineError(gatun("predict", "--model", model.toString(), "--input", rows.toString()), 1,
                rows + " (its header) has the feature columns 'y, x, z' but the model was trained on 'x, y, z" + swapped);
        Path inOrder = Files.writeString(dir.resolve("in-order.csv"), "x;y;z\n2;1;0\n");
        CommandRun run = gatun("predict", "--model", model.toString(), "--input", inOrder.toString(), "--top", "3");
        assertEquals(0, run.exit(), run.toString());
        // The class index, then the label value it was trained from: a user's labels -1/1 or 1..3 stay theirs.
        assertTrue(run.out().startsWith("row\tclass\tprobability\ttop 3 (class:probability)\tlabel\n"), run.out());
        String[] cells = run.out().lines().skip(1).findFirst().orElseThrow().split("\t");
        assertEquals(SPECIES.get(Integer.parseInt(cells[1])), cells[4], run.out());
        assertTrue(cells[3].matches("[0-2]:[0-9.]+ [0-2]:[0-9.]+ [0-2]:[0-9.]+"), run.out());
        CommandRun json = gatun("predict", "--model", model.toString(), "--input", inOrder.toString(), "--json");
        assertEquals(0, json.exit(), json.toString());
        int index = (int) json.number("class");
        assertTrue(json.json().contains("\"class\":" + index + ",\"label\":\"" + SPECIES.get(index) + "\""), json.json());
        // A row that overflows the layers is named by its row in the file, not in predict's batch of 256.
        StringBuilder many = new StringBuilder("x;y;z\n");
        for (int i = 0; i < 300; i++) {
            many.append(i == 270 ? "3e38;-3e38;3e38" : "2;1;0").append('\n');
        }
        Path far = Files.writeString(dir.resolve("far.csv"), many);
        CommandRun farRun = gatun("predict", "--model", model.toString(), "--input", far.toString());
        CommandRun.assertOneLineError(farRun, 1,
                far + ": row 270 (counting from 0, as the output does): the input gives output ");
        // Rows 0..269 are predicted and written, those of the bad row's batch (256..269) included.
        assertEquals(1 + 270, farRun.out().lines().count(), farRun.out());
        assertTrue(farRun.out().lines().toList().getLast().startsWith("269\t"), farRun.out());
    }

    private static String[] concat(String[] options, String... command) {
        List<String> all = new java.util.ArrayList<>(List.of(command));
        all.addAll(List.of(options));
        return all.toArray(String[]::new);
    }

    @Test
    void badRowsAndMisusedOptionsAreOneLine() throws IOException {
        Path data = blobs("birds.csv", 100, 3);
        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,x\n3,oops,y\n");
        CommandRun.assertOneLineError(gatun("train", "--data", bad.toString(), "--label", "label"), 1,
                bad + ": line 3 column 2: expected a finite number, found 'oops'");
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "a,b,label\n1,2,x\n3,y\n");
        CommandRun.assertOneLineError(gatun("train", "--data", ragged.toString(), "--label", "label"), 1,
                "line 3: expected 3 columns separated by commas (as the first line), found 2");
        Path test = Files.writeString(dir.resolve("test.csv"), "x;species;y;z\n1;heron;2;3\n1;crane;2;3\n");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--test",
                test.toString()), 1, "line 3 column 2: expected one of the 3 classes 'heron, ibis, stork', found 'crane'");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString()), 2, "needs --label COLUMN");
        Path oneClass = Files.writeString(dir.resolve("one-class.csv"), "a,b,label\n1,2,x\n3,4,x\n");
        CommandRun.assertOneLineError(gatun("train", "--data", oneClass.toString(), "--label", "label"), 1,
                "holds 1 class: a classifier needs at least two");
        // The model or checkpoint written over the data it trains on: the user's file would be replaced.
        byte[] kept = Files.readAllBytes(data);
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--out",
                data.toString()), 2, "--out " + data + " is the --data file this run reads");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--checkpoint",
                data.toString()), 2, "--checkpoint " + data + " is the --data file");
        // The model written over its own checkpoint: a run that could never be resumed. Refused before training,
        // whether the file exists yet or not, and under two spellings of one path.
        Path both = dir.resolve("both.gatun");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--out",
                both.toString(), "--checkpoint", dir.resolve("./both.gatun").toString()), 2,
                "is the --out file too; give each its own");
        assertTrue(Files.notExists(both), "stopped before training");
        Path testFile = Files.copy(data, dir.resolve("test-copy.csv"));
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--test",
                testFile.toString(), "--out", testFile.toString()), 2, "is the --test file");
        assertTrue(java.util.Arrays.equals(kept, Files.readAllBytes(data)), "the data file is untouched");
        // Legal in a quoted cell, but the model file's name lists are tab-separated: refused before the first epoch.
        Path tabbed = Files.writeString(dir.resolve("tabbed.csv"), "w,\"h\tcm\",label\n1,2,a\n3,4,b\n");
        CommandRun.assertOneLineError(gatun("train", "--data", tabbed.toString(), "--label", "label", "--out",
                dir.resolve("tabbed.gatun").toString()), 1, "the column name 'h\\x09cm' holds a tab or a newline");
        assertTrue(Files.notExists(dir.resolve("tabbed.gatun.checkpoint")), "stopped before training");
        Path tabClass = Files.writeString(dir.resolve("tab-class.csv"), "w,h,label\n1,2,\"big\tone\"\n3,4,b\n");
        CommandRun.assertOneLineError(gatun("train", "--data", tabClass.toString(), "--label", "label", "--out",
                dir.resolve("tab-class.gatun").toString()), 1, "the class name 'big\\x09one'");
        assertEquals(0, gatun("train", "--data", tabClass.toString(), "--label", "label", "--epochs", "1").exit(),
                "nothing to store, nothing refused");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "wingspan"), 1,
                "expected a column named 'wingspan' or numbered 1..4");
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--test-split",
                "1.5"), 2, "--test-split 1.5");
        CommandRun.assertOneLineError(gatun("train", "--test-split", "0.2"), 2, "is for CSV data");
        Path regression = Files.writeString(dir.resolve("r.csv"), "a,y\n1,0.5\n2,0.7\n3,0.9\n");
        Path model = dir.resolve("r.gatun");
        assertEquals(0, gatun("train", "--data", regression.toString(), "--label", "y", "--task", "regression",
                "--epochs", "1", "--out", model.toString()).exit());
        CommandRun.assertOneLineError(gatun("eval", "--model", model.toString()), 1, "is a regression (MSE)",
                "--label COLUMN");
        CommandRun resumed = gatun("train", "--resume", model + ".checkpoint", "--epochs", "2", "--json");
        assertEquals(0, resumed.exit(), "a regression resumes as one on its recorded file: " + resumed);
        assertTrue(resumed.json().contains("\"test_r2\"") || resumed.json().contains("\"train_r2\""), resumed.json());
        CommandRun.assertOneLineError(gatun("train", "--data", data.toString(), "--label", "species", "--layers", "3,8,4"),
                1, "--layers ends with 4 outputs but birds.csv has 3 classes");
    }
}

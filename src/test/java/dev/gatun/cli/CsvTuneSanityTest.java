package dev.gatun.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gatun tune} and {@code gatun sanity} on a CSV table, read as {@code train} reads it. */
class CsvTuneSanityTest {
    @TempDir
    Path dir;

    /** Three well-separated blobs in 3-D named by species, the label column last; far from zero mean and unit scale. */
    private Path blobs(int n) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        StringBuilder csv = new StringBuilder("x,y,z,species\n");
        List<String> species = List.of("heron", "ibis", "stork");
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%s%n", 100 + 40 * c + 10 * random.nextGaussian(),
                    500 - 30 * c + 10 * random.nextGaussian(), 10 * random.nextGaussian(), species.get(c)));
        }
        return Files.writeString(dir.resolve("birds.csv"), csv.toString());
    }

    @Test
    void sanityRunsItsChecksOnTheTablesOwnNetworkAndClasses() throws IOException {
        Path data = blobs(600);
        // Xavier init: He's wider output logits put a 3-64-3 network's initial loss 34% above ln 3 at this seed, past
        // the check's 20% (small networks spread wide, see SanityChecks).
        CommandRun run = gatun("sanity", "--data", data.toString(), "--label", "species", "--init", "xavier", "--seed", "2",
                "--json");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.err().contains("sanity checks of 3,64,3 on " + data + " (600 samples)"), run.err());
        String json = run.json();
        assertEquals(Math.log(3), CommandRun.number(json, "ln_c"), 1e-12, "the label column's three classes");
        assertTrue(run.err().contains("on 600 samples"), "check 1 uses every row of a table this small: " + run.err());
        assertTrue(json.endsWith("\"passed\":true}"), json);
    }

    @Test
    @SuppressWarnings("unchecked")
    void tuneSearchesOnTheTableWithADevSplitOfItsRows() throws IOException {
        Path data = blobs(300);
        Path out = dir.resolve("tune");
        CommandRun run = gatun("tune", "--data", data.toString(), "--label", "species", "--trials", "3", "--fine-trials",
                "0", "--epochs", "5", "--batch", "16", "--lr-range", "-2,-1", "--parallel", "1", "--out", out.toString(),
                "--json");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.err().contains("random search on 3,64,3 over " + data + " (240 samples), dev 60"), run.err());
        Map<String, Object> result = MiniJson.object(run.json());
        assertEquals("3,64,3", result.get("layers"));
        assertEquals(3, ((List<Object>) result.get("trials")).size());
        double best = ((Number) ((Map<String, Object>) result.get("best")).get("dev_accuracy")).doubleValue();
        assertTrue(best > 0.9, "standardised blobs are easy at lr 0.01..0.1: " + best);
        assertEquals(1 + 3, Files.readAllLines(out.resolve("tune.csv")).size());
    }

    /** A table named tune.csv in tune's --out directory is what the search reads: refused, not overwritten by its trials. */
    @Test
    void tuneDoesNotWriteItsTrialsOverItsData() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path data = Files.move(blobs(300), out.resolve("tune.csv"));
        byte[] kept = Files.readAllBytes(data);
        CommandRun run = gatun("tune", "--data", data.toString(), "--label", "species", "--trials", "1",
                "--fine-trials", "0", "--epochs", "1", "--parallel", "1", "--out", out.toString());
        CommandRun.assertOneLineError(run, 2, "--out " + out + ": " + data + " is the --data file this run reads");
        assertFalse(run.out().contains("trial"), "searched before failing: " + run);
        assertArrayEquals(kept, Files.readAllBytes(data));
    }

    @Test
    void tuneKeepsTheTestSplitOfTrainOutOfItsSearch() throws IOException {
        Path data = blobs(300);
        CommandRun run = gatun("tune", "--data", data.toString(), "--label", "species", "--test-split", "0.2",
                "--trials", "1", "--fine-trials", "0", "--epochs", "1", "--parallel", "1", "--out",
                dir.resolve("tune").toString());
        assertEquals(0, run.exit(), run.toString());
        // 300 rows less the 60 train's --test-split 0.2 holds out: 240, of which a fifth is the dev set.
        assertTrue(run.out().contains("(192 samples), dev 48"), run.toString());
        assertTrue(!run.err().contains("note: the search draws"), run.err());
        CommandRun all = gatun("tune", "--data", data.toString(), "--label", "species", "--trials", "1",
                "--fine-trials", "0", "--epochs", "1", "--parallel", "1", "--out", dir.resolve("tune2").toString());
        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.err().contains("note: the search draws its training and dev rows from every row of " + data),
                all.err());
    }

    @Test
    void misusedDataOptionsAreOneLine() throws IOException {
        Path data = blobs(100);
        for (String command : List.of("tune", "sanity")) {
            CommandRun.assertOneLineError(gatun(command, "--data", data.toString(), "--label", "species", "--task",
                    "regression"), Main.EXIT_USAGE, "--task regression", "a regression trains with gatun train");
            CommandRun.assertOneLineError(gatun(command, "--data", data.toString()), Main.EXIT_USAGE,
                    "is a file: CSV data needs --label COLUMN");
            CommandRun.assertOneLineError(gatun(command, "--label", "species"), Main.EXIT_USAGE,
                    "give it with --data FILE.csv");
            CommandRun.assertOneLineError(gatun(command, "--data", data.toString(), "--label", "wingspan"), Main.EXIT_ERROR,
                    "expected a column named 'wingspan' or numbered 1..4");
            CommandRun.assertOneLineError(gatun(command, "--data", data.toString(), "--label", "species", "--layers",
                    "3,8,4"), Main.EXIT_ERROR, "--layers ends with 4 outputs but birds.csv has 3 classes");
        }
    }
}

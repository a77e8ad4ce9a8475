package dev.gatun.cli;

import dev.gatun.files.AtomicReplace;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TuneCommandTest {
    @TempDir
    Path dir;

    @Test
    void writes_the_sorted_table_the_csv_and_the_plot() throws Exception {
        Path data = LearnableData.write(dir.resolve("data"), 500, 10, 3, false);
        Path out = Files.createDirectories(dir.resolve("out"));
        // The temporary table of a search killed mid-write, which this search's first write removes.
        Path stale = Files.writeString(out.resolve(AtomicReplace.tempPrefix(out.resolve("tune.csv")) + deadPid() + "-1f"),
                TrialsCsv.HEADER + "\n1,");
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(AtomicReplace.STALE_AFTER).minusSeconds(60)));
        CommandRun run = gatun("tune", "--data", data.toString(), "--layers", "64,16,4", "--trials", "5",
                "--fine-trials", "3", "--epochs", "1", "--batch", "32", "--dev", "100", "--parallel", "2",
                "--seed", "4", "--out", out.toString(), "--json");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.err().contains("trial 8/8 "), run.err());
        assertTrue(run.err().contains("fine ranges (log10):"), run.err());

        List<String> csv = Files.readAllLines(out.resolve("tune.csv"));
        assertEquals(TrialsCsv.HEADER, csv.getFirst());
        assertEquals(1 + 8, csv.size(), csv.toString());
        assertFalse(Files.exists(stale), "a killed search's temporary table is left behind");
        double previous = Double.POSITIVE_INFINITY;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(14, cells.length, row);
            double lr = Double.parseDouble(cells[4]);
            assertTrue(lr >= 1e-4 && lr <= 1e-1, "default --lr-range -4,-1: " + row);
            double devAccuracy = cells[12].isEmpty() ? Double.NEGATIVE_INFINITY : Double.parseDouble(cells[12]);
            assertTrue(devAccuracy <= previous, "sorted by dev accuracy: " + csv);
            previous = devAccuracy;
        }

        // The table keeps the mode the umask gives, as the plot does (a temporary file's would be owner-only).
        assertEquals(Files.getPosixFilePermissions(out.resolve("tune.png")),
                Files.getPosixFilePermissions(out.resolve("tune.csv")));
        BufferedImage plot = ImageIO.read(out.resolve("tune.png").toFile());
        assertNotNull(plot);
        assertTrue(plot.getWidth() > 100 && plot.getHeight() > 100);

        String json = run.json();
        assertEquals(9, json.split("\"dev_accuracy\":").length - 1, "8 trials and the best: " + json);
        assertTrue(json.contains("\"best\":{\"phase\":"), json);
        @SuppressWarnings("unchecked")
        Map<String, Object> best = (Map<String, Object>) MiniJson.object(json).get("best");
        assertEquals(List.of("phase", "trial", "seed", "learning_rate", "lambda", "beta", "outcome", "epochs",
                "train_loss", "train_accuracy", "dev_loss", "dev_accuracy", "seconds"), List.copyOf(best.keySet()));
        assertEquals(Double.parseDouble(csv.get(1).split(",")[12]), CommandRun.number(json.substring(json.indexOf("\"best\":")),
                "dev_accuracy"), 0.0, "the best is the first CSV row");
    }

    @Test
    void a_search_killed_part_way_leaves_the_trials_it_finished() throws Exception {
        Path data = LearnableData.write(dir.resolve("data"), 500, 10, 3, false);
        Path out = dir.resolve("out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process search = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "tune", "--data", data.toString(),
                "--layers", "64,16,4", "--trials", "500", "--fine-trials", "0", "--epochs", "1", "--batch", "32",
                "--dev", "100", "--parallel", "1", "--out", out.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> seen = new java.util.ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(search.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null && !line.startsWith("trial 2/500 "); line = lines.readLine()) {
                seen.add(line);
            }
        } finally {
            search.destroyForcibly();  // SIGKILL, as a killed job or a lost machine ends it: nothing runs after
            assertTrue(search.waitFor(60, TimeUnit.SECONDS));
        }
        assertFalse(seen.stream().anyMatch(l -> l.startsWith("wrote ")), "the search ended by itself: " + seen);

        List<String> csv = Files.readAllLines(out.resolve("tune.csv"));
        assertEquals(TrialsCsv.HEADER, csv.getFirst());
        assertTrue(csv.size() - 1 >= 2 && csv.size() - 1 < 500, "the finished trials: " + csv);
        double previous = Double.POSITIVE_INFINITY;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(14, cells.length, row);
            double devAccuracy = cells[12].isEmpty() ? Double.NEGATIVE_INFINITY : Double.parseDouble(cells[12]);
            assertTrue(devAccuracy <= previous, "best first: " + csv);
            previous = devAccuracy;
        }
    }

    @Test
    void bad_ranges_and_optimizers_are_one_line_and_exit_2() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 100, 10, 3, false);
        CommandRun run = gatun("tune", "--data", data.toString(), "--layers", "64,4", "--lr-range", "-1,-4");
        assertEquals(Main.EXIT_USAGE, run.exit(), run.toString());
        assertTrue(run.err().startsWith("gatun: --lr-range must be two log10 bounds"), run.err());
        run = gatun("tune", "--data", data.toString(), "--layers", "64,4", "--optimizer", "lbfgs");
        assertEquals(Main.EXIT_USAGE, run.exit(), run.toString());
        assertTrue(run.err().contains("--optimizer must be one of adam, momentum, rmsprop, sgd"), run.err());
        // Counts and float32 limits are usage errors before the data is read, not failures after it (or mid-search).
        Path missing = dir.resolve("no-such-data");
        for (List<String> bad : List.of(List.of("--trials", "0"), List.of("--epochs", "0"), List.of("--top", "0"),
                List.of("--subset", "-1"), List.of("--dev", "0"), List.of("--batch", "0"), List.of("--fine-trials", "-1"))) {
            List<String> args = new java.util.ArrayList<>(List.of("tune", "--data", missing.toString()));
            args.addAll(bad);
            CommandRun.assertOneLineError(gatun(args.toArray(String[]::new)), Main.EXIT_USAGE,
                    bad.get(0) + " must be >= ");
        }
        CommandRun.assertOneLineError(gatun("tune", "--data", missing.toString(), "--l2-range", "-5,39"),
                Main.EXIT_USAGE, "the lambda = 10^U(low,high) must be a float32 number");
        CommandRun.assertOneLineError(gatun("tune", "--data", missing.toString(), "--beta-range", "-3,0"),
                Main.EXIT_USAGE, "needs f < 0");
    }

    @Test
    void an_out_that_cannot_be_written_fails_before_the_first_trial() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 200, 10, 3, false);
        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        CommandRun run = gatun("tune", "--data", data.toString(), "--layers", "64,4", "--trials", "2",
                "--fine-trials", "0", "--epochs", "1", "--dev", "50", "--out", aFile.toString());
        CommandRun.assertOneLineError(run, Main.EXIT_ERROR, "--out " + aFile, "is not a directory");
        assertFalse(run.out().contains("trial"), "searched before failing: " + run);
        // A directory where tune.png goes: the whole search ran, then the write failed with only a path.
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("tune.png").resolve("inside"));
        CommandRun png = gatun("tune", "--data", data.toString(), "--layers", "64,4", "--trials", "2",
                "--fine-trials", "0", "--epochs", "1", "--dev", "50", "--out", out.toString());
        CommandRun.assertOneLineError(png, Main.EXIT_ERROR, "tune.png is a directory, where the run writes tune.png");
        assertFalse(png.out().contains("trial"), "searched before failing: " + png);
    }

    /** The process id of a process that has exited. */
    private static long deadPid() throws IOException, InterruptedException {
        Process finished = new ProcessBuilder("true").start();
        assertTrue(finished.waitFor(30, TimeUnit.SECONDS));
        return finished.pid();
    }
}

package dev.gatun.cli;

import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SanityCommandTest {
    @TempDir
    Path dir;

    @Test
    void a_healthy_network_prints_four_passing_rows_and_exits_0() throws IOException {
        LearnableData.write(dir, 400, 10, 2, false);
        // The library test's network and seed: its initial loss is within 2% of ln 4 (small He-initialised networks
        // on this non-centred data spread widely, see SanityChecks).
        CommandRun run = gatun("sanity", "--data", dir.toString(), "--layers", "64,32,16,4", "--seed", "3", "--json");
        assertEquals(0, run.exit(), run.toString());
        for (String name : new String[] {"initial loss ~ ln C", "large L2 raises the loss", "overfit 20 samples",
                "learning-rate sweep"}) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + " +PASS$").matcher(run.err()).find(), name + "\n" + run);
        }
        assertTrue(run.err().contains("measured: J = ") && run.err().contains("expected: |J - ln C| <= 20% of ln C"), run.err());
        String json = run.json();
        assertTrue(json.endsWith("\"passed\":true}"), json);
        assertEquals(4, json.split("\"name\":").length - 1, json);
        assertEquals(Math.log(4), CommandRun.number(json, "ln_c"), 1e-12);
        assertTrue(CommandRun.number(json, "low") <= CommandRun.number(json, "high"), json);
    }

    @Test
    void layers_that_do_not_fit_the_data_are_one_line_and_exit_1() throws IOException {
        LearnableData.write(dir, 100, 10, 2, false);
        CommandRun run = gatun("sanity", "--data", dir.toString(), "--layers", "49,32,4");
        assertEquals(1, run.exit(), run.toString());
        assertEquals(1, run.err().lines().filter(l -> l.startsWith("gatun:")).count(), run.err());
        assertTrue(run.err().contains("--layers starts with 49 inputs but train has 64 features"), run.err());
        CommandRun fewClasses = gatun("sanity", "--data", dir.toString(), "--layers", "64,32,3");
        assertEquals(1, fewClasses.exit(), fewClasses.toString());
        assertTrue(fewClasses.err().contains("label"), "a label >= 3 is named: " + fewClasses.err());
        CommandRun missing = gatun("sanity", "--data", dir.resolve("nowhere").toString(), "--layers", "64,4");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        CommandRun bad = gatun("sanity", "--data", dir.toString(), "--layers", "64,x,4");
        assertEquals(Main.EXIT_USAGE, bad.exit());
        assertTrue(bad.err().contains("--layers must be comma-separated widths"), bad.err());
    }
}

package dev.gatun.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The course's two small examples, run with the README's command lines on the CSV files in {@code examples/data},
 * must give the README's outcome: XOR learnt exactly by a 2-3-1 network, and the planar "flower" separated by a
 * shallow tanh network where a logistic regression (no hidden layer) does no better than chance.
 */
class ExamplesTest {
    private static final Path DATA = Path.of("examples", "data");

    @Test
    void xorWithA231NetworkGetsAllFourRight() {
        Path xor = DATA.resolve("xor.csv");
        assertTrue(Files.isRegularFile(xor), "run from the repository root: " + xor.toAbsolutePath());
        CommandRun run = gatun("train", "--data", xor.toString(), "--label", "xor", "--test", xor.toString(),
                "--layers", "2,3,1", "--activation", "tanh", "--init", "xavier", "--lr", "0.1", "--batch", "4",
                "--epochs", "300", "--json");
        assertEquals(0, run.exit(), run.toString());
        assertEquals(1.0, run.number("test_accuracy"), 0.0, run.json());
        assertEquals(4, run.number("test_samples"));
        assertTrue(run.number("test_loss") < 0.01, "confident, not just right: " + run.json());
    }

    @Test
    void thePlanarFlowerNeedsTheHiddenLayer() {
        Path planar = DATA.resolve("planar.csv");
        CommandRun shallow = gatun("train", "--data", planar.toString(), "--label", "label", "--test-split", "0.25",
                "--layers", "2,4,1", "--activation", "tanh", "--init", "xavier", "--lr", "0.05", "--batch", "32",
                "--epochs", "100", "--seed", "1", "--json");
        assertEquals(0, shallow.exit(), shallow.toString());
        assertEquals(100, shallow.number("test_samples"));
        assertTrue(shallow.number("test_accuracy") >= 0.85, shallow.json());
        CommandRun linear = gatun("train", "--data", planar.toString(), "--label", "label", "--test-split", "0.25",
                "--layers", "2,1", "--lr", "0.05", "--batch", "32", "--epochs", "100", "--seed", "1", "--json");
        assertEquals(0, linear.exit(), linear.toString());
        assertTrue(linear.number("test_accuracy") < 0.65, "no straight line separates the petals: " + linear.json());
    }
}

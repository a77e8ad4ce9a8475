package dev.gatun.spark;

import dev.gatun.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the gatun command in this JVM, as the tests of {@code gatun train --spark} do, capturing what it prints. */
public final class TestCommands {
    private TestCommands() {}

    /** What a run printed: stdout (the JSON object, with --json) and stderr (the text, with --json), and its exit code. */
    public record Printed(int exit, String out, String err) {}

    /** Runs {@code gatun ARGS} with no web UI for a Spark session it starts (so it listens on loopback only). */
    public static Printed run(List<String> args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        System.setProperty("spark.ui.enabled", "false");
        try (PrintStream captureOut = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream captureErr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(captureOut);
            System.setErr(captureErr);
            exit = Main.run(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            System.clearProperty("spark.ui.enabled");
        }
        return new Printed(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}

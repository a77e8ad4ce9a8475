package dev.gatun.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test support: runs the {@code gatun} command line in-process, capturing exit code, stdout and stderr. */
record CommandRun(int exit, String out, String err) {

    static CommandRun gatun(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new CommandRun(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    String lastLine() {
        List<String> lines = out.lines().toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** A number field of the JSON object on the last line. */
    double number(String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.Ee]+)").matcher(lastLine());
        assertTrue(m.find(), key + " in " + lastLine());
        return Double.parseDouble(m.group(1));
    }
}

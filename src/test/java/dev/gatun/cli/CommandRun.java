package dev.gatun.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test support: one {@code gatun} command line run through {@link Main#run}, its exit code and captured output. */
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
        return out.lines().toList().getLast();
    }

    /** The last line, checked to be one JSON object. */
    String json() {
        String json = lastLine();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        return json;
    }

    /** A number field of the JSON object on the last line. */
    double number(String key) {
        return number(json(), key);
    }

    /** The number after the first {@code "key":} in {@code json}. */
    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.Ee]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    /** The run failed with {@code exit}, one line on stderr, naming every one of {@code parts}. */
    static void assertOneLineError(CommandRun run, int exit, String... parts) {
        org.junit.jupiter.api.Assertions.assertEquals(exit, run.exit(), run.out() + run.err());
        org.junit.jupiter.api.Assertions.assertEquals(1, run.err().strip().lines().count(), run.err());
        for (String part : parts) {
            assertTrue(run.err().contains(part), "'" + part + "' in: " + run.err());
        }
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}

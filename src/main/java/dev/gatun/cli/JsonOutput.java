package dev.gatun.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Standard output under {@code --json}: the one JSON object and nothing else, so {@code gatun ... --json | jq} always
 * parses. {@link Main} points {@code System.out} at stderr while such a command runs (progress, tables and messages
 * stay visible there) and hands the real stdout to this class; commands write their object through {@link #print}.
 * When a command fails before writing it, Main writes an error object instead, so stdout never ends in the middle
 * of a value or holds nothing a parser could mistake for a result.
 */
final class JsonOutput {
    private static PrintStream stdout;
    private static boolean written;
    private static boolean lastRunWrote;

    private JsonOutput() {}

    /** Starts a {@code --json} command: JSON goes to {@code realStdout} from now on. */
    static void open(PrintStream realStdout) {
        stdout = realStdout;
        written = false;
    }

    /** Ends it; returns true when the command wrote anything to stdout. */
    static boolean close() {
        boolean any = written;
        lastRunWrote = any;
        if (stdout != null) {
            stdout.flush();
        }
        stdout = null;
        written = false;
        return any;
    }

    /** Whether the last {@code --json} command wrote to stdout before it ended (read when it failed). */
    static boolean lastRunWrote() {
        return lastRunWrote;
    }

    /** Writes a command's JSON object on its own line. */
    static void print(Map<String, ?> fields) {
        stream().println(Json.object(fields));
        stream().flush();
    }

    /** For a command that streams its object piece by piece; it must close the object itself when it fails. */
    static PrintStream stream() {
        written = true;
        return stdout != null ? stdout : System.out;
    }

    /** The object that stands for a failed command on stdout. */
    static String errorObject(String message, int exitCode) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("error", message);
        fields.put("exit_code", exitCode);
        return Json.object(fields);
    }
}

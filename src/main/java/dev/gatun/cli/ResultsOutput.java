package dev.gatun.cli;

import java.io.PrintStream;

/**
 * The real standard output for a command whose text there is its result, not a message about it: {@code predict}'s
 * table of predictions. {@code --quiet} silences {@code System.out} while a command runs, which emptied
 * {@code gatun predict ... --quiet > predictions.tsv}; {@link Main} hands the real stream to this class first.
 */
final class ResultsOutput {
    private static PrintStream stdout;

    private ResultsOutput() {}

    static void open(PrintStream realStdout) {
        stdout = realStdout;
    }

    static void close() {
        stdout = null;
    }

    /** Where results go: the real stdout while a command runs from the command line, else System.out. */
    static PrintStream stream() {
        return stdout != null ? stdout : System.out;
    }
}

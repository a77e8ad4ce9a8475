package dev.gatun.cli;

import picocli.CommandLine.Option;

import java.util.Map;

/**
 * {@code --json}, as a picocli mixin: every command that can report one JSON object takes it with the same meaning.
 * {@link Main} sees it on the parsed line and keeps stdout for that object ({@link JsonOutput}).
 */
final class JsonOption {
    @Option(names = "--json", description = "Print one JSON object on stdout (text goes to stderr).")
    boolean requested;

    /** Writes {@code fields} as the command's JSON object when {@code --json} was given. */
    void print(Map<String, ?> fields) {
        if (requested) {
            JsonOutput.print(fields);
        }
    }
}

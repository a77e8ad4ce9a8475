package dev.gatun.cli;

/**
 * An option value the command cannot use (out of range, not one of the choices, malformed). {@link Main} answers it
 * as picocli's own parse errors: exit code 2 and a pointer to the subcommand's {@code --help}, so a script can tell
 * "called wrongly" from "failed while running".
 */
final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
        super(message);
    }
}

package dev.gatun.cli;

import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * A {@code gatun} command that can report its result as one JSON object: every such command takes {@code --json}
 * ({@link JsonOption}) with the same meaning, declared here once for all of them.
 */
abstract class JsonReportingCommand implements Callable<Integer> {
    @Mixin
    JsonOption json;
}

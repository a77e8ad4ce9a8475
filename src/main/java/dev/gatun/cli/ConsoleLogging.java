package dev.gatun.cli;

import java.util.Map;

/**
 * The {@code gatun} command's log format: slf4j-simple's settings as system properties, set before the first
 * logger exists. They live here, not in a {@code simplelogger.properties} inside the jar, so a service that
 * embeds Gatun never has its own logging configured by the library. A {@code -D} on the command line wins.
 */
final class ConsoleLogging {
    private static final Map<String, String> DEFAULTS = Map.of(
            "org.slf4j.simpleLogger.defaultLogLevel", "info",
            "org.slf4j.simpleLogger.logFile", "System.err",
            "org.slf4j.simpleLogger.showThreadName", "false",
            "org.slf4j.simpleLogger.showDateTime", "false",
            "org.slf4j.simpleLogger.levelInBrackets", "true",
            // Jetty, the example HTTP service's server, announces its version and each start and stop: warnings only.
            "org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn",
            // Spark (gatun train --spark) reports every step of its start-up and each job at INFO: warnings only.
            "org.slf4j.simpleLogger.log.org.apache.spark", "warn",
            "org.slf4j.simpleLogger.log.org.sparkproject", "warn",
            "org.slf4j.simpleLogger.log.org.apache.hadoop", "warn");

    private ConsoleLogging() {}

    /** Sets the defaults; {@code quiet} ({@code --quiet}) lowers the library's log to warnings and errors. */
    static void configure(boolean quiet) {
        if (quiet) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        DEFAULTS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}

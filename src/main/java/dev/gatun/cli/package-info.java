/**
 * The {@code gatun} command (picocli): train, eval, predict, sanity, tune, benchmark, info, inspect, gradcheck,
 * export and serve-example, from {@link dev.gatun.cli.Main}. It builds on the exported packages like any program
 * would, and is the only code in Gatun that prints to a terminal (the library logs through SLF4J); what only the
 * command needs, such as the lock that keeps two runs from writing one model file and the tuning trials' CSV, lives
 * here. Not exported: picocli fills the option fields by reflection, so the package is opened to it.
 */
package dev.gatun.cli;

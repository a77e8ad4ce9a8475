package dev.gatun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Arrays;

/**
 * The {@code gatun} command. The only place in Gatun that prints to a terminal; the library logs through SLF4J.
 * Errors print one line and exit non-zero; {@code --verbose} (anywhere on the line) adds the stack trace.
 */
@Command(name = "gatun", mixinStandardHelpOptions = true, version = "gatun 0.1.0",
        description = "Gatun: deep learning on the JVM, OpenBLAS through the FFM API.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, SanityCommand.class, TuneCommand.class,
                BenchmarkCommand.class, ServeExampleCommand.class, InfoCommand.class, GradCheckCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        ConsoleLogging.configure();
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; tests call this instead of main. */
    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true");
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        CommandLine cli = new CommandLine(new Main());
        cli.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as in most command lines
        cli.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("gatun: " + ex.getMessage() + " (see 'gatun " + commandPath(ex.getCommandLine()) + "--help')");
            if (verbose) {
                ex.printStackTrace(err);
            }
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("gatun: " + oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return EXIT_ERROR;
        });
        return cli.execute(rest);
    }

    private static String commandPath(CommandLine commandLine) {
        String name = commandLine.getCommandName();
        return name.equals("gatun") ? "" : name + " ";
    }

    private static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        return message.replace('\n', ' ');
    }
}

package dev.gatun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code gatun} command. The only place in Gatun that prints to a terminal; the library logs through SLF4J.
 * Every failure, an {@link Error} such as OutOfMemoryError included, prints one line and exits non-zero (2 for a
 * usage error, 1 for anything else); {@code --verbose} (anywhere on the line) adds the stack trace and
 * {@code --quiet} silences everything but warnings and errors ({@code predict}'s predictions are its output and stay). With {@code --json}, stdout holds one JSON object
 * only (see {@link JsonOutput}).
 */
@Command(name = "gatun", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Gatun: deep learning on the JVM, OpenBLAS through the FFM API.")
public final class Main implements Runnable {
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;
    private static final String VERBOSE = "--verbose";
    private static final String QUIET = "--quiet";
    private static final String HELP = "help";
    /** The subcommands by name, in the order the usage lists them. */
    private static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("train", TrainCommand.class);
        commands.put("eval", EvalCommand.class);
        commands.put("predict", PredictCommand.class);
        commands.put("sanity", SanityCommand.class);
        commands.put("tune", TuneCommand.class);
        commands.put("benchmark", BenchmarkCommand.class);
        commands.put("serve-example", ServeExampleCommand.class);
        commands.put("info", InfoCommand.class);
        commands.put("inspect", InspectCommand.class);
        commands.put("gradcheck", GradCheckCommand.class);
        commands.put("export", ExportCommand.class);
        commands.put(HELP, CommandLine.HelpCommand.class);
        return Collections.unmodifiableMap(commands);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code --version}: the version the build wrote from the pom, not a copy of it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gatun " + dev.gatun.Gatun.version()};
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        ConsoleLogging.configure(Arrays.asList(args).contains(QUIET));
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; tests call this instead of main. */
    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true");
        // --verbose and --quiet may stand anywhere on the line, before the subcommand too, so they are taken out here.
        boolean verbose = Arrays.asList(args).contains(VERBOSE);
        boolean quiet = Arrays.asList(args).contains(QUIET);
        String[] rest = Arrays.stream(args).filter(a -> !a.equals(VERBOSE) && !a.equals(QUIET)).toArray(String[]::new);
        // Before parsing, only the raw words can say whether the caller wants JSON on stdout.
        boolean jsonWanted = Arrays.asList(rest).contains("--json");
        try {
            CommandLine cli = new CommandLine(new Main());
            addSubcommands(cli, rest.length > 0 ? rest[0] : "");
            cli.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as in most command lines
            documentGlobalOptions(cli);
            cli.setExecutionStrategy(parsed -> execute(parsed, quiet));
            cli.setParameterExceptionHandler((ex, argv) -> {
                String message = oneLine(ex) + " (see 'gatun " + commandPath(ex.getCommandLine()) + "--help')";
                return fail(ex.getCommandLine().getErr(), ex, message, EXIT_USAGE, verbose, jsonWanted, false);
            });
            cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> ex instanceof UsageException
                    ? fail(commandLine.getErr(), ex, oneLine(ex) + " (see 'gatun " + commandPath(commandLine) + "--help')",
                            EXIT_USAGE, verbose, jsonWanted, JsonOutput.lastRunWrote())
                    : fail(commandLine.getErr(), ex, oneLine(ex), EXIT_ERROR, verbose, jsonWanted, JsonOutput.lastRunWrote()));
            return cli.execute(rest);
        } catch (Throwable t) {
            // The handlers above catch what the commands throw; this is for a failure in the command line itself.
            System.err.println("gatun: " + oneLine(t));
            if (verbose) {
                t.printStackTrace();
            }
            return EXIT_ERROR;
        }
    }

    /** The command line with every subcommand, as {@code gatun --help} lists them. */
    static CommandLine withAllCommands() {
        CommandLine cli = new CommandLine(new Main());
        addSubcommands(cli, HELP);
        return cli;
    }

    /**
     * Adds the subcommand {@code first} names, or every subcommand when it names none (or help): picocli builds a
     * command's model from its annotations by reflection, and building all of them took about a quarter of a second
     * of every start.
     */
    private static void addSubcommands(CommandLine cli, String first) {
        Class<?> named = HELP.equals(first) ? null : COMMANDS.get(first);
        for (Map.Entry<String, Class<?>> command : COMMANDS.entrySet()) {
            if (named == null || command.getValue() == named) {
                cli.addSubcommand(command.getKey(), command.getValue());
            }
        }
    }

    /** Lists --verbose and --quiet in every command's help; {@link #run} has already taken them off the line. */
    private static void documentGlobalOptions(CommandLine cli) {
        List<CommandLine> commands = new ArrayList<>(cli.getSubcommands().values());
        commands.add(cli);
        for (CommandLine command : commands) {
            command.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder(VERBOSE)
                    .description("On an error, print its stack trace too.").build());
            command.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder(QUIET)
                    .description("Print nothing but warnings and errors (and the JSON object with --json).").build());
        }
    }

    /**
     * Runs the parsed command with stdout reserved for JSON when it asked for it, its text silenced when quiet, and
     * Errors turned into failures.
     */
    private static int execute(CommandLine.ParseResult parsed, boolean quiet) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) {
            leaf = leaf.subcommand();
        }
        boolean json = leaf.hasMatchedOption("--json");
        PrintStream stdout = System.out;
        if (json) {
            JsonOutput.open(stdout);
            System.setOut(System.err);
        }
        if (quiet) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        }
        ResultsOutput.open(stdout);
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (Error e) {
            throw new CommandLine.ExecutionException(leaf.commandSpec().commandLine(), describe(e), e);
        } finally {
            ResultsOutput.close();
            System.setOut(stdout);
            if (json) {
                JsonOutput.close();
            }
        }
    }

    private static int fail(PrintWriter err, Throwable ex, String message, int exit, boolean verbose,
                            boolean json, boolean jsonWritten) {
        err.println("gatun: " + message);
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        if (json && !jsonWritten) {
            System.out.println(JsonOutput.errorObject(message, exit));
            System.out.flush();
        }
        return exit;
    }

    /** An Error as a user can act on it. */
    static String describe(Error e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + "): the model, batch or input is larger than this JVM may "
                    + "use; make it smaller, or give Java more heap with GATUN_JAVA_OPTS=-Xmx<size>";
        }
        if (e instanceof StackOverflowError) {
            return "stack overflow: a bug in gatun, please report it with --verbose";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** A file-system exception without a reason says only a path ("gatun: /tmp/x.csv"): add what its type means. */
    private static String fileProblem(java.nio.file.FileSystemException e) {
        return e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile()) + ": "
                + dev.gatun.files.FileProblems.meaning(e);
    }

    private static String commandPath(CommandLine commandLine) {
        String name = commandLine.getCommandName();
        return name.equals("gatun") ? "" : name + " ";
    }

    /** The message of {@code ex} on one safe line: what was printed from user data cannot drive the terminal. */
    static String oneLine(Throwable ex) {
        String message = ex instanceof java.nio.file.FileSystemException fs && fs.getReason() == null
                ? fileProblem(fs) : ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        return UserText.safe(message.replace("\r\n", " ").replace('\n', ' '), UserText.LINE_LIMIT);
    }
}

package dev.gatun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support: a main class run in a child JVM of this JDK with this test's class path, native access granted and
 * any other flags given, for what one JVM can be set up to do only once (logging, the module graph).
 */
public final class ChildJvm {
    private static final Pattern FLAGS_ARRAY = Pattern.compile("(?s)\\nGATUN_JIT_FLAGS=\\((.*?)\\)\\n");
    private static final Pattern SHELL_WORD = Pattern.compile("\"([^\"]*)\"|(\\S+)");

    /**
     * The JIT flags the gatun launcher gives every command (its GATUN_JIT_FLAGS array, read from the script with
     * {@code $GATUN_HOME} resolved to the working directory, the repository root), for a child that should compile
     * as a command of the launcher does. Read, not copied, so a flag changed in the script reaches the tests; read
     * on first use, so a test that never asks for them does not depend on the script.
     */
    public static List<String> launcherJitFlags() {
        return LauncherFlags.JIT;
    }

    private static final class LauncherFlags {
        static final List<String> JIT = launcherJitFlags(Path.of("gatun"));
    }

    /** The words of the script's {@code GATUN_JIT_FLAGS=( ... )} array, quotes removed, $GATUN_HOME resolved. */
    static List<String> launcherJitFlags(Path script) {
        String text;
        try {
            text = Files.readString(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the launcher " + script.toAbsolutePath(), e);
        }
        Matcher array = FLAGS_ARRAY.matcher(text);
        if (!array.find()) {
            throw new IllegalStateException("no GATUN_JIT_FLAGS=( ... ) array in " + script.toAbsolutePath());
        }
        List<String> flags = new ArrayList<>();
        Matcher word = SHELL_WORD.matcher(array.group(1));
        while (word.find()) {
            String flag = word.group(1) != null ? word.group(1) : word.group(2);
            flags.add(flag.replace("$GATUN_HOME", Path.of("").toAbsolutePath().toString()));
        }
        return List.copyOf(flags);
    }

    /** Generous for a few seconds of work on a loaded two-core machine; a hang fails instead of blocking the build. */
    private static final long TIMEOUT_SECONDS = 300;

    private ChildJvm() {}

    /** How the child ended and what it printed. */
    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Runs {@code mainClass} with {@code args} under {@code flags}; its output goes through files in {@code dir}. */
    public static Result run(Path dir, List<String> flags, Class<?> mainClass, List<String> args)
            throws IOException, InterruptedException {
        return run(dir, flags, mainClass, args, true);
    }

    /** As {@link #run(Path, List, Class, List)}; {@code nativeAccess} false leaves out --enable-native-access. */
    public static Result run(Path dir, List<String> flags, Class<?> mainClass, List<String> args, boolean nativeAccess)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (nativeAccess) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Path out = Files.createTempFile(dir, "child", ".out");
        Path err = Files.createTempFile(dir, "child", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("the child JVM " + command + " did not finish within " + TIMEOUT_SECONDS + " s:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}

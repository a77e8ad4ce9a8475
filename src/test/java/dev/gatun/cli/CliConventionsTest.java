package dev.gatun.cli;

import dev.gatun.nn.Loss;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** The conventions every subcommand shares: clean help, exit 2 for a usage error with a pointer to help, --quiet. */
class CliConventionsTest {
    private static final List<String> COMMANDS =
            List.of("train", "eval", "predict", "sanity", "tune", "benchmark", "serve-example", "info", "inspect",
                    "gradcheck", "export");

    @Test
    void theListAboveIsEveryCommand() {
        Set<String> commands = new HashSet<>(Main.withAllCommands().getSubcommands().keySet());
        commands.remove("help");
        assertEquals(commands, Set.copyOf(COMMANDS));
    }

    /** Only the subcommand named on the line is built; help and an unknown name still see every one. */
    @Test
    void helpAndUnknownCommandsSeeEveryCommand() {
        CommandRun usage = gatun("--help");
        assertEquals(0, usage.exit(), usage.toString());
        for (String command : COMMANDS) {
            assertTrue(usage.out().contains(command), "gatun --help lists " + command + ": " + usage.out());
        }
        CommandRun help = gatun("help", "train");
        assertEquals(0, help.exit(), help.toString());
        assertTrue(help.out().contains("--epochs"), "gatun help train: " + help.out());
        CommandRun unknown = gatun("trian", "--epochs", "1");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("'trian'") && unknown.err().contains("see 'gatun --help'"), unknown.err());
    }

    @TempDir
    Path dir;

    @Test
    void everyHelpIsCleanAndListsTheGlobalOptions() {
        for (String command : COMMANDS) {
            CommandRun help = gatun(command, "--help");
            assertEquals(0, help.exit(), help.toString());
            assertFalse((help.out() + help.err()).contains("WARN"), command + " --help warns: " + help);
            assertTrue(help.out().contains("--verbose") && help.out().contains("--quiet"), command + ": " + help.out());
        }
    }

    @Test
    void aBadOptionValueIsAUsageErrorInEveryCommand() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 100, 20, 1, false);
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), LearnableData.FEATURES, 4, Loss.SOFTMAX_CROSS_ENTROPY);
        String d = data.toString();
        String m = model.toString();
        Map<String, String[]> bad = Map.ofEntries(
                Map.entry("train", new String[] {"train", "--data", d, "--epochs", "0"}),
                Map.entry("eval", new String[] {"eval", "--model", m, "--data", d, "--split", "validation"}),
                Map.entry("predict", new String[] {"predict", "--model", m, "--input", d + "/t10k-images-idx3-ubyte",
                        "--top", "0"}),
                Map.entry("tune", new String[] {"tune", "--data", d, "--parallel", "-1"}),
                Map.entry("benchmark", new String[] {"benchmark", "--model", m, "--batch", "0"}),
                Map.entry("sanity", new String[] {"sanity", "--data", d, "--layers", "64,x,4"}),
                Map.entry("gradcheck", new String[] {"gradcheck", "--loss", "hinge"}),
                Map.entry("serve-example", new String[] {"serve-example", "--model", m, "--port", "70000"}),
                Map.entry("info", new String[] {"info", "--gemm-size", "0"}),
                Map.entry("export", new String[] {"export", m, dir.resolve("m.onnx").toString()}),
                Map.entry("inspect", new String[] {"inspect"}));
        assertEquals(Set.copyOf(COMMANDS), bad.keySet());
        bad.forEach((command, args) -> {
            CommandRun run = gatun(args);
            assertOneLineError(run, Main.EXIT_USAGE, "(see 'gatun " + command + " --help')");
        });
    }

    @Test
    void quietPrintsNothingButTheJson() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 200, 50, 1, false);
        List<String> train = List.of("train", "--data", data.toString(), "--layers", "64,4", "--epochs", "1", "--dev", "50");
        CommandRun quiet = gatun(concat(train, "--quiet"));
        assertEquals(0, quiet.exit(), quiet.toString());
        assertEquals("", quiet.out());
        CommandRun json = gatun(concat(train, "--quiet", "--json"));
        assertEquals(0, json.exit(), json.toString());
        assertEquals(1.0, MiniJson.object(json.out().strip()).get("epochs"));
        assertFalse(json.err().contains("epoch 1:"), json.err());
        CommandRun failing = gatun("train", "--data", dir.resolve("nowhere").toString(), "--quiet");
        assertOneLineError(failing, 1, "nowhere");
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}

package dev.gatun.cli;

import dev.gatun.nn.Loss;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** With --json, stdout is one JSON object and nothing else, whether the command succeeds or fails. */
class JsonStdoutTest {
    @TempDir
    Path dir;

    /** stdout parsed as exactly one JSON object. */
    private static Map<String, Object> onlyJson(CommandRun run) {
        String out = run.out().strip();
        assertEquals(1, out.lines().count(), "stdout holds more than the JSON object: " + run);
        return MiniJson.object(out);
    }

    @Test
    void aSuccessfulRunPrintsItsTextOnStderrAndOnlyTheObjectOnStdout() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 200, 50, 1, false);
        CommandRun run = gatun("train", "--data", data.toString(), "--layers", "64,4", "--epochs", "1", "--dev", "50", "--json");
        assertEquals(0, run.exit(), run.toString());
        Map<String, Object> json = onlyJson(run);
        assertEquals(1.0, json.get("epochs"));
        assertTrue(run.err().contains("epoch 1: train loss") && run.err().contains("test accuracy"), run.err());
    }

    /** Every command that takes --json, each run small: stdout holds its one object and nothing else. */
    @Test
    void everyCommandWithJsonPrintsOnlyTheObjectOnStdout() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 400, 10, 2, false);
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), LearnableData.FEATURES, LearnableData.CLASSES,
                Loss.SOFTMAX_CROSS_ENTROPY);
        String d = data.toString();
        String m = model.toString();
        Map<String, String[]> runs = Map.ofEntries(
                Map.entry("train", new String[] {"--data", d, "--layers", "64,4", "--epochs", "1", "--dev", "50"}),
                Map.entry("eval", new String[] {"--model", m, "--data", d}),
                Map.entry("predict", new String[] {"--model", m, "--input", d + "/t10k-images-idx3-ubyte"}),
                Map.entry("sanity", new String[] {"--data", d, "--layers", "64,32,16,4", "--seed", "3"}),
                Map.entry("tune", new String[] {"--data", d, "--layers", "64,4", "--trials", "2", "--fine-trials", "0",
                        "--epochs", "1", "--dev", "50", "--out", dir.resolve("tune").toString()}),
                Map.entry("benchmark", new String[] {"--model", m, "--batch", "1", "--threads", "1", "--seconds", "0.2",
                        "--warmup", "0.1"}),
                Map.entry("serve-example", new String[] {"--model", m, "--load-test", "20", "--concurrency", "1",
                        "--warmup", "5", "--threads", "1"}),
                Map.entry("info", new String[] {"--gemm-size", "8"}),
                Map.entry("inspect", new String[] {m}),
                Map.entry("gradcheck", new String[] {}));
        Set<String> withJson = Main.withAllCommands().getSubcommands().entrySet().stream()
                .filter(command -> command.getValue().getCommandSpec().findOption("--json") != null)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertEquals(withJson, runs.keySet(), "a command that takes --json and is not run here, or the reverse");
        runs.forEach((command, args) -> {
            List<String> line = new ArrayList<>(List.of(command));
            line.addAll(List.of(args));
            line.add("--json");
            CommandRun run = gatun(line.toArray(String[]::new));
            assertEquals(0, run.exit(), command + ": " + run);
            assertFalse(onlyJson(run).containsKey("error"), command + ": " + run);
        });
    }

    @Test
    void failuresEndStdoutWithAnErrorObject() throws IOException {
        CommandRun runtime = gatun("train", "--data", dir.resolve("nowhere").toString(), "--json");
        assertEquals(1, runtime.exit());
        Map<String, Object> error = onlyJson(runtime);
        assertTrue(((String) error.get("error")).contains("nowhere"), error.toString());
        assertEquals(1.0, error.get("exit_code"));
        assertEquals(1, runtime.err().strip().lines().count(), runtime.err());

        CommandRun usage = gatun("eval", "--json", "--split", "validation", "--model", dir.resolve("m").toString());
        assertEquals(2, usage.exit(), usage.toString());
        assertEquals(2.0, onlyJson(usage).get("exit_code"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aBadRowMidStreamClosesThePredictionsAndNamesTheError() throws IOException {
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 3, 4, Loss.SOFTMAX_CROSS_ENTROPY);
        StringJoiner csv = new StringJoiner("\n", "", "\n");
        int good = PredictCommand.BATCH * 2 + 5; // two whole batches and five rows of the third before the bad row
        for (int i = 0; i < good; i++) {
            csv.add(i + ",1,2");
        }
        csv.add("1,oops,3");
        Path input = Files.writeString(dir.resolve("rows.csv"), csv.toString());
        CommandRun run = gatun("predict", "--model", model.toString(), "--input", input.toString(), "--json");
        assertEquals(1, run.exit(), run.toString());
        Map<String, Object> json = onlyJson(run);
        assertTrue(((String) json.get("error")).contains("line " + (good + 1)), json.get("error").toString());
        List<Object> predictions = (List<Object>) json.get("predictions");
        assertEquals(good, predictions.size(), "every row before the bad one");
        assertEquals((double) good, json.get("rows"));
        assertTrue(run.err().contains("'oops' is not a number"), run.err());
    }
}

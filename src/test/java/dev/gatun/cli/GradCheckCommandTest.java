package dev.gatun.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradCheckCommandTest {
    @Test
    void default_network_passes_and_json_ends_the_output() {
        CommandRun run = gatun("gradcheck", "--json");
        assertEquals(0, run.exit(), run.out() + run.err());
        String json = run.lastLine();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"passed\":true"), json);
        assertTrue(json.matches(".*\"worst_tensor\":\"(W|b|gamma|beta)[0-9]+\".*"), json);
        assertTrue(CommandRun.number(json, "max_relative_error") < 1e-6, json);
        assertTrue(CommandRun.number(json, "relative_error") < 1e-7, json);
        Map<String, Object> fields = MiniJson.object(json);
        assertEquals(List.of("max_relative_error", "worst_tensor", "passed", "relative_error", "verdict", "epsilon",
                "threshold", "widths", "loss", "regularization", "batch", "steps", "seed", "tensors", "note"),
                List.copyOf(fields.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> tensor = ((List<Map<String, Object>>) fields.get("tensors")).getFirst();
        assertEquals(List.of("name", "shape", "relative_error", "max_abs_difference"), List.copyOf(tensor.keySet()));
        assertTrue(run.out().contains("gamma1") && run.out().contains("W5"), "every layer kind's tensors are listed");
        assertTrue(run.out().contains("mask held fixed"), "dropout is active and the output says how it was checked");
    }

    @Test
    void after_training_and_with_other_losses_it_still_passes() {
        for (String loss : List.of("binary", "mse")) {
            CommandRun run = gatun("gradcheck", "--loss", loss, "--regularization", "l1", "--steps", "30", "--json");
            assertEquals(0, run.exit(), loss + ": " + run.out() + run.err());
            assertTrue(CommandRun.number(run.lastLine(), "relative_error") < 1e-7, run.lastLine());
        }
    }

    @Test
    void bad_options_give_one_line_and_exit_2() {
        CommandRun run = gatun("gradcheck", "--loss", "hinge");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--loss must be one of [softmax, binary, mse], got 'hinge'"), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertEquals(2, gatun("gradcheck", "--batch", "1").exit());
    }
}

package dev.gatun.cli;

import dev.gatun.train.EpochStats;
import dev.gatun.train.SanityCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonFieldsTest {
    @Test
    void anEpochKeepsTheKeysOfTrainsJsonHistory() {
        Map<String, Object> fields = Json.fields(new EpochStats(3, 0.5, 0.8, 0.6, 0.75, 1e-3, 1234.5, 2.5));
        assertEquals(List.of("epoch", "train_loss", "train_accuracy", "dev_loss", "dev_accuracy", "learning_rate",
                "samples_per_second", "seconds"), List.copyOf(fields.keySet()));
        assertEquals(List.of(3, 0.5, 0.8, 0.6, 0.75, 1e-3, 1234.5, 2.5), List.copyOf(fields.values()));
        assertEquals("{\"epoch\":3,\"train_loss\":0.5,\"train_accuracy\":0.8,\"dev_loss\":0.6,\"dev_accuracy\":0.75,"
                + "\"learning_rate\":0.001,\"samples_per_second\":1234.5,\"seconds\":2.5}", Json.object(fields));
    }

    @Test
    void aSanityCheckKeepsTheKeysOfSanitysJsonChecks() {
        Map<String, Object> fields = Json.fields(new SanityCheck("initial loss", true, "2.30", "ln 10 = 2.30",
                Map.of("loss", 2.3)));
        assertEquals(List.of("name", "passed", "measured", "expected", "values"), List.copyOf(fields.keySet()));
        assertEquals("{\"name\":\"initial loss\",\"passed\":true,\"measured\":\"2.30\",\"expected\":\"ln 10 = 2.30\","
                + "\"values\":{\"loss\":2.3}}", Json.object(fields));
    }
}

package dev.gatun.cli;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Init;
import dev.gatun.optim.Optimizer;
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

    @Test
    void aTrainingConfigurationKeepsTheKeysOfCheckpointsAndTrainsJson() {
        TrainConfig config = new TrainConfig(List.of(784, 64, 32, 10), List.of(Activation.LEAKY_RELU, Activation.TANH),
                Init.XAVIER, Optimizer.Kind.RMSPROP, 0.01, 0.8, 0.99, "inverse-time:0.5", true, 64, 1e-4, 0, List.of(0.9),
                true, Normalization.Mode.NONE, 500, 2, 7, true, false);
        assertEquals("{\"layers\":[784,64,32,10],\"activation\":[\"leaky-relu\",\"tanh\"],\"init\":\"xavier\","
                + "\"optimizer\":\"rmsprop\",\"lr\":0.01,\"beta1\":0.8,\"beta2\":0.99,\"decay\":\"inverse-time:0.5\","
                + "\"decay_per\":\"step\",\"batch\":64,\"l2\":1.0E-4,\"l1\":0.0,\"dropout\":[0.9],\"batchnorm\":true,"
                + "\"normalize\":\"none\",\"dev\":500,\"early_stop\":2,\"seed\":7,\"augment\":true,"
                + "\"task\":\"classification\"}", Json.object(config.toJson()));
        assertEquals(config, TrainConfig.fromMap(config.toMap()), "a checkpoint's text gives the same configuration back");
    }
}

package dev.gatun.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;

/**
 * {@code gatun train --spark} in the core alone: the Spark module is not on the core's class path, so the command
 * says in one line how to get it; options a Spark run does not do are refused by name before that, and the
 * ones it does pass.
 */
class SparkOptionTest {
    private static final String DATA = "examples/data/planar.csv";

    @Test
    void withoutTheSparkModuleTheCommandSaysHowToGetIt() {
        assertOneLineError(gatun("train", "--spark", "local[2]", "--data", DATA, "--label", "label"), Main.EXIT_ERROR,
                "needs Gatun's Spark module (dev.gatun:gatun-spark)", "./gatun train --spark builds spark/");
    }

    @Test
    void optionsASparkRunDoesNotDoAreRefusedByName() {
        assertOneLineError(gatun("train", "--spark", "local[2]", "--data", DATA, "--label", "label", "--augment"),
                Main.EXIT_USAGE, "--augment is not available with --spark");
        assertOneLineError(gatun("train", "--spark", "local[2]", "--data", DATA, "--label", "label", "--task", "ranking"),
                Main.EXIT_USAGE, "--task must be 'classification' or 'regression', got 'ranking'");
        assertOneLineError(gatun("train", "--spark", "local[2]", "--partitions", "-1", "--data", DATA, "--label",
                "label"), Main.EXIT_USAGE, "--partitions must be >= 0");
    }

    @Test
    void batchNormDropoutL1DecayCheckpointsEarlyStoppingAndRegressionPassTheOptionChecks() {
        // Accepted: the command gets as far as looking for the Spark module, which the core's tests lack.
        assertOneLineError(gatun("train", "--spark", "local[2]", "--data", DATA, "--label", "label", "--batchnorm",
                "--dropout", "0.8", "--l1", "0.01", "--decay", "exponential:0.9", "--decay-per", "step",
                "--checkpoint", "c.ckpt", "--early-stop", "2"),
                Main.EXIT_ERROR, "needs Gatun's Spark module (dev.gatun:gatun-spark)");
        assertOneLineError(gatun("train", "--spark", "local[2]", "--data", DATA, "--label", "label", "--task",
                "regression"), Main.EXIT_ERROR, "needs Gatun's Spark module (dev.gatun:gatun-spark)");
    }
}

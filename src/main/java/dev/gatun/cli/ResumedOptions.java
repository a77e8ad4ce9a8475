package dev.gatun.cli;

import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A resumed run keeps its checkpoint's configuration, so the options that set one are not applied. Given again with
 * the same values (the first run's command line plus --resume) they are fine; given with other values they would be
 * ignored without a word (a review's probe resumed with --lr 0.5 --batch 4 --optimizer sgd and trained on with Adam
 * 1e-3 and batches of 128), so they are refused, each named with the checkpoint's value.
 */
final class ResumedOptions {
    /** Each configuring option of {@code gatun train} and the configuration field it sets. */
    private static final Map<String, Function<TrainConfig, Object>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("--layers", TrainConfig::layers);
        FIELDS.put("--activation", TrainConfig::activations);
        FIELDS.put("--init", TrainConfig::init);
        FIELDS.put("--optimizer", TrainConfig::optimizer);
        FIELDS.put("--lr", TrainConfig::lr);
        FIELDS.put("--beta1", TrainConfig::beta1);
        FIELDS.put("--beta2", TrainConfig::beta2);
        FIELDS.put("--decay", TrainConfig::decay);
        FIELDS.put("--decay-per", c -> c.decayPerStep() ? "step" : "epoch");
        FIELDS.put("--batch", TrainConfig::batch);
        FIELDS.put("--l2", TrainConfig::l2);
        FIELDS.put("--l1", TrainConfig::l1);
        FIELDS.put("--dropout", TrainConfig::dropout);
        FIELDS.put("--batchnorm", TrainConfig::batchNorm);
        FIELDS.put("--normalize", TrainConfig::normalize);
        FIELDS.put("--dev", TrainConfig::dev);
        FIELDS.put("--early-stop", TrainConfig::earlyStop);
        FIELDS.put("--seed", TrainConfig::seed);
        FIELDS.put("--augment", TrainConfig::augment);
        FIELDS.put("--task", c -> c.regression() ? "regression" : "classification");
    }

    private ResumedOptions() {
    }

    /**
     * Refuses the configuring options given on this command line whose value differs from {@code checkpoint}'s.
     * {@code given} parses one option's value as the command would use it, on its own: a whole configuration built
     * from the command line would also take the defaults of the options not given, which need not fit the
     * checkpoint's (a per-layer --dropout against the default layers).
     */
    static void requireSame(ParseResult parsed, TrainConfig checkpoint, Function<String, Object> given, Path resume) {
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, Function<TrainConfig, Object>> field : FIELDS.entrySet()) {
            String option = field.getKey();
            if (!parsed.hasMatchedOption(option)) {
                continue;
            }
            Object wanted = given.apply(option);
            Object kept = field.getValue().apply(checkpoint);
            if (!Objects.equals(wanted, kept)) {
                differ.add(option + " " + wanted + " (the checkpoint's: " + kept + ")");
            }
        }
        if (!differ.isEmpty()) {
            throw new UsageException("--resume " + resume + " continues the run as its checkpoint configured it, and"
                    + " these options differ: " + String.join(", ", differ) + "; drop them (only --epochs, the data,"
                    + " output and thread options may change), or start a new run without --resume");
        }
    }
}

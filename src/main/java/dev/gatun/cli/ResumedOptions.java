package dev.gatun.cli;

import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

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
     * Refuses the configuring options given on this command line whose value differs from {@code checkpoint}'s;
     * {@code asked} builds the configuration the options describe (only when one was given).
     */
    static void requireSame(ParseResult given, TrainConfig checkpoint, Supplier<TrainConfig> asked, Path resume) {
        List<String> matched = FIELDS.keySet().stream().filter(given::hasMatchedOption).toList();
        if (matched.isEmpty()) {
            return;
        }
        TrainConfig options = asked.get();
        List<String> differ = new ArrayList<>();
        for (String option : matched) {
            Object wanted = FIELDS.get(option).apply(options);
            Object kept = FIELDS.get(option).apply(checkpoint);
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

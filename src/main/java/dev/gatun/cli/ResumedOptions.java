package dev.gatun.cli;

import dev.gatun.data.Normalization;
import dev.gatun.optim.Optimizer;
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
    /** A configuring option: the checkpoint's field it sets, and its value as a command line gives it. */
    private record Field(Function<TrainConfig, Object> kept, Function<TrainCommand, Object> given) {}

    /** Each configuring option of {@code gatun train}, each value parsed on its own as the command would. */
    private static final Map<String, Field> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("--layers", new Field(TrainConfig::layers, c -> c.network.widths()));
        FIELDS.put("--activation", new Field(TrainConfig::activations, c -> c.network.activations()));
        FIELDS.put("--init", new Field(TrainConfig::init, c -> c.network.weightInit()));
        FIELDS.put("--optimizer", new Field(TrainConfig::optimizer,
                c -> TrainConfig.parseEnum(Optimizer.Kind.class, "--optimizer", c.optimizer)));
        FIELDS.put("--lr", new Field(TrainConfig::lr, c -> c.lr));
        FIELDS.put("--beta1", new Field(TrainConfig::beta1, c -> c.beta1));
        FIELDS.put("--beta2", new Field(TrainConfig::beta2, c -> c.beta2));
        FIELDS.put("--decay", new Field(TrainConfig::decay, c -> c.decay));
        FIELDS.put("--decay-per", new Field(k -> per(k.decayPerStep()), c -> per(c.parseDecayPer())));
        FIELDS.put("--batch", new Field(TrainConfig::batch, c -> c.batch));
        FIELDS.put("--l2", new Field(TrainConfig::l2, c -> c.l2));
        FIELDS.put("--l1", new Field(TrainConfig::l1, c -> c.l1));
        FIELDS.put("--dropout", new Field(TrainConfig::dropout, c -> TrainConfig.parseDoubles("--dropout", c.dropout)));
        FIELDS.put("--batchnorm", new Field(TrainConfig::batchNorm, c -> c.batchNorm));
        FIELDS.put("--normalize", new Field(TrainConfig::normalize,
                c -> TrainConfig.parseEnum(Normalization.Mode.class, "--normalize", c.normalize)));
        FIELDS.put("--dev", new Field(TrainConfig::dev, c -> c.dev));
        FIELDS.put("--early-stop", new Field(TrainConfig::earlyStop, c -> c.earlyStop));
        FIELDS.put("--seed", new Field(TrainConfig::seed, c -> c.seed));
        FIELDS.put("--augment", new Field(TrainConfig::augment, c -> c.augment));
        FIELDS.put("--task", new Field(k -> task(k.regression()), c -> task(c.data.regression())));
    }

    /** Booleans as the options spell them, for the message. */
    private static String per(boolean step) {
        return step ? "step" : "epoch";
    }

    private static String task(boolean regression) {
        return regression ? "regression" : "classification";
    }

    private ResumedOptions() {
    }

    /**
     * Refuses the configuring options given on {@code command}'s line whose value differs from {@code checkpoint}'s.
     * Each is compared on its own: a whole configuration built from the command line would also take the defaults of
     * the options not given, which need not fit the checkpoint's (a per-layer --dropout against the default layers).
     */
    static void requireSame(TrainCommand command, ParseResult parsed, TrainConfig checkpoint, Path resume) {
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, Field> field : FIELDS.entrySet()) {
            String option = field.getKey();
            if (!parsed.hasMatchedOption(option)) {
                continue;
            }
            Object wanted = field.getValue().given().apply(command);
            Object kept = field.getValue().kept().apply(checkpoint);
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

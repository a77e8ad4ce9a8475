package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.io.ModelMetadata;
import dev.gatun.nn.Model;
import dev.gatun.train.EpochStats;
import dev.gatun.train.Evaluation;
import dev.gatun.train.Evaluator;
import dev.gatun.train.History;
import dev.gatun.train.RegressionMetrics;
import dev.gatun.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end of {@code gatun train}: the test set's figures (a classifier's accuracy and the course's bias/variance
 * reading; a regression's RMSE, MAE and R² on train, dev and test), the model file with its metadata (class and
 * feature names, configuration, results), the plots and the JSON object ({@code extraFields} at its end: what a
 * cluster engine reports about its run).
 */
record TrainReport(TrainConfig config, TrainingData input, DataSet.Split split, Path plots, boolean json,
                   Map<String, Object> extraFields) {

    /**
     * What to change after {@code explosion}. A run that diverges at its first step has had no update before it: its
     * first loss or gradient is already out of range, which a large penalty or badly scaled data (an --l1 of 1e38,
     * targets of 1e25, unnormalised features of 1e30) does whatever the rate.
     */
    static String advice(dev.gatun.train.Explosion explosion) {
        return explosion.step() <= 1 ? "it diverged at the first step: look at the scale of the features (--normalize),"
                + " of regression targets and of the penalty (--l2, --l1), or lower --lr if it is large"
                : "lower --lr (or add decay)";
    }

    int report(TrainingResult result, Model model, Normalization normalization, Path outFile) throws IOException {
        History history = result.history();
        if (result.exploded()) {
            System.out.println("stopped: " + result.explosion().message());
            System.out.println(advice(result.explosion()) + "; the last finished epoch is in the checkpoint, if one"
                    + " was written");
        } else if (result.outcome() == TrainingResult.Outcome.EARLY_STOPPED) {
            System.out.printf("early stopping: dev loss best at epoch %d, restored its weights%n", result.bestEpoch());
        }
        Evaluation test = null;
        if (input.test() != null && !result.exploded()) {   // exploded weights: their test figures would mean nothing
            try (Evaluator evaluator = new Evaluator(input.test(), normalization, Evaluator.DEFAULT_BATCH)) {
                test = evaluator.evaluate(model);
            }
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("outcome", result.outcome().name().toLowerCase(Locale.ROOT));
        fields.put("test_accuracy", test == null || config.regression() ? null : test.accuracy());
        fields.put("test_loss", test == null ? null : test.loss());
        EpochStats kept = history.isEmpty() ? null : history.epochs().get(Math.max(1, result.bestEpoch()) - 1);
        if (kept != null) {
            fields.put("dev_accuracy", split == null || config.regression() ? null : kept.devAccuracy());
            fields.put("dev_loss", split == null ? null : kept.devLoss());
            fields.put("train_loss", kept.trainLoss());
            fields.put("train_accuracy", config.regression() ? null : kept.trainAccuracy());
            fields.put("samples_per_second", history.last().samplesPerSecond());
            if (!config.regression()) {
                printResults(test, kept, result.exploded());
            }
        }
        Map<String, RegressionMetrics> fits = config.regression() && !result.exploded()
                ? regressionFits(model, normalization, test) : Map.of();
        fits.forEach((set, m) -> {
            System.out.printf(Locale.ROOT, "%-5s RMSE %.4g  MAE %.4g  R² %.4f%n", set, m.rmse(), m.mae(), m.r2());
            fields.put(set + "_rmse", m.rmse());
            fields.put(set + "_mae", m.mae());
            fields.put(set + "_r2", m.r2());
        });
        fields.put("epochs", history.size());
        fields.put("train_samples", split == null ? input.train().size() : split.train().size());
        fields.put("test_samples", test == null ? null : test.count());
        // Each epoch's line as numbers, under the EpochStats names (samples/s counts the training passes only).
        fields.put("history", history.epochs().stream().map(Json::fields).toList());
        fields.put("best_epoch", result.bestEpoch());
        fields.put("steps", result.steps());
        fields.put("seconds", history.epochs().stream().mapToDouble(EpochStats::seconds).sum());
        fields.put("blas_threads", Blas.threads());
        fields.put("config", config.toJson());
        if (outFile != null && !result.exploded()) {
            Map<String, String> metadata = metadata(test, kept, history.size());
            fits.forEach((set, m) -> {
                metadata.put(ModelMetadata.METRIC_PREFIX + set + "_rmse", Double.toString(m.rmse()));
                metadata.put(ModelMetadata.METRIC_PREFIX + set + "_mae", Double.toString(m.mae()));
                metadata.put(ModelMetadata.METRIC_PREFIX + set + "_r2", Double.toString(m.r2()));
            });
            ModelIo.save(outFile, model, normalization, metadata);
            System.out.println("model written to " + outFile);
            fields.put("model", outFile.toString());
        }
        if (plots != null && !history.isEmpty()) {
            List<Path> written = new ArrayList<>();
            written.add(Plots.lossAndAccuracy(history, plots));
            written.add(Plots.learningRate(history, plots));
            if (test != null && test.confusion() != null) {
                written.add(Plots.confusionMatrix(test.confusion(), input.classNames(test.classes()), plots));
            }
            if (!fits.isEmpty()) {
                // The last set evaluated is the most independent one: test, else dev, else train.
                String set = List.copyOf(fits.keySet()).getLast();
                RegressionMetrics m = fits.get(set);
                written.add(Plots.predictedVsActual(m.actual(), m.predicted(), String.format(Locale.ROOT,
                        "%s set: predicted vs actual (R² %.4f)", set, m.r2()), plots));
            }
            System.out.println("plots written: " + written);
        }
        if (result.exploded()) {
            fields.put("explosion", result.explosion().message());
        }
        fields.putAll(extraFields);
        if (json) {
            JsonOutput.print(fields);
        }
        return result.exploded() ? Main.EXIT_ERROR : 0;
    }

    /** RMSE, MAE and R² of the final model on the training split, the dev set and the test set (those that exist). */
    private Map<String, RegressionMetrics> regressionFits(Model model, Normalization normalization, Evaluation test) {
        Map<String, RegressionMetrics> fits = new LinkedHashMap<>();
        fits.put("train", evaluate(model, normalization, split != null ? split.train() : input.train()));
        if (split != null) {
            fits.put("dev", evaluate(model, normalization, split.dev()));
        }
        if (test != null) {
            fits.put("test", test.regression());
        }
        return fits;
    }

    private static RegressionMetrics evaluate(Model model, Normalization normalization, DataSet set) {
        try (Evaluator evaluator = new Evaluator(set, normalization, Evaluator.DEFAULT_BATCH)) {
            return evaluator.evaluate(model).regression();
        }
    }

    private void printResults(Evaluation test, EpochStats kept, boolean exploded) {
        if (test == null && exploded && input.test() != null) {
            System.out.println("test set not evaluated: the run exploded");
        } else if (test == null) {
            System.out.println("no test set (--test FILE or --test-split FRACTION gives one)");
        } else {
            System.out.printf("test accuracy %.2f%% (loss %.4f) on %d samples%n", 100 * test.accuracy(), test.loss(),
                    test.count());
        }
        System.out.println(BiasVariance.reading(kept.trainAccuracy(), split == null ? Double.NaN : kept.devAccuracy()));
    }

    /** The model file's metadata: configuration, class and feature names, and the results the run reached. */
    private Map<String, String> metadata(Evaluation test, EpochStats kept, int epochs) {
        Map<String, String> metadata = new LinkedHashMap<>(Checkpoint.prefixed(config.toMap()));
        metadata.put("kind", "model");
        if (!config.regression()) {
            metadata.put(ModelMetadata.CLASSES, ModelMetadata.encodeList(input.classNames(config.classes())));
        }
        if (!input.featureNames().isEmpty()) {
            metadata.put(ModelMetadata.FEATURE_NAMES, ModelMetadata.encodeList(input.featureNames()));
        }
        if (test != null && !config.regression()) {
            metadata.put(ModelMetadata.METRIC_PREFIX + "test_accuracy", Double.toString(test.accuracy()));
            metadata.put(ModelMetadata.METRIC_PREFIX + "test_loss", Double.toString(test.loss()));
        }
        metadata.put(ModelMetadata.METRIC_PREFIX + "epochs", Integer.toString(epochs));
        if (kept != null) {
            metadata.put(ModelMetadata.METRIC_PREFIX + "train_loss", Double.toString(kept.trainLoss()));
            if (!config.regression()) {
                metadata.put(ModelMetadata.METRIC_PREFIX + "train_accuracy", Double.toString(kept.trainAccuracy()));
            }
            if (split != null) {
                if (!config.regression()) {
                    metadata.put(ModelMetadata.METRIC_PREFIX + "dev_accuracy", Double.toString(kept.devAccuracy()));
                }
                metadata.put(ModelMetadata.METRIC_PREFIX + "dev_loss", Double.toString(kept.devLoss()));
            }
        }
        return metadata;
    }
}

package dev.gatun.train;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.Targets;
import dev.gatun.nn.Workspace;
import dev.gatun.tensor.Tensor;

/**
 * Evaluates models on one data set in INFERENCE mode, batch by batch in a single forward pass each: the loss and
 * the predictions (classes, or a regression's values for RMSE, MAE and R²) come out of the same pass. Owns its batch buffers and workspace, so evaluating every epoch
 * reuses them; close it when done.
 */
public final class Evaluator implements AutoCloseable {
    public static final int DEFAULT_BATCH = 1000;
    /** Samples a regression evaluation keeps for a predicted-vs-actual plot: enough to see the fit, few to draw. */
    public static final int PLOTTED_POINTS = 2000;
    /**
     * Classes up to which an evaluation keeps its confusion matrix (k² counts: 8 MB here). The matrix is dense, and a
     * table may hold 65,536 classes, whose matrix (34 GB) would fail the first epoch's evaluation after its training.
     */
    public static final int MAX_CONFUSION_CLASSES = 1024;

    private final DataSet data;
    private final Batches batches;
    private final int[] predictions;
    private Workspace workspace;
    private Model workspaceOwner;

    public Evaluator(DataSet data, Normalization normalization, int batchSize) {
        if (data == null || normalization == null) {
            throw new IllegalArgumentException("an evaluator needs a data set and its normalization, got " + data + ", "
                    + normalization);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("cannot evaluate on " + data.name() + ": it holds no samples");
        }
        int batch = Math.min(batchSize, data.size());
        if (batch < 1) {
            throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batches = Batches.over(data, batch).normalization(normalization).shuffle(false).build();
        this.predictions = new int[batch];
    }

    public DataSet dataSet() {
        return data;
    }

    /**
     * Loss, accuracy and confusion matrix of {@code model} over the whole data set; the matrix only up to {@link
     * #MAX_CONFUSION_CLASSES} classes.
     */
    public Evaluation evaluate(Model model) {
        Workspace ws = workspaceFor(model);
        if (!model.loss().classification()) {
            return regression(model, ws);
        }
        boolean classes = model.loss().predictsClasses(model.outputs());
        int k = Math.max(model.outputs(), 2);
        long[][] confusion = classes && k <= MAX_CONFUSION_CLASSES ? new long[k][k] : null;
        double lossSum = 0;
        long correct = 0;
        for (int b = 0; b < batches.batchesPerEpoch(); b++) {
            Batch batch = batches.next();
            lossSum += model.evaluate(batch.X(), batch.targetsFor(model), ws, classes ? predictions : null);
            if (classes) {
                for (int row = 0; row < batch.size(); row++) {
                    int label = batch.label(row);
                    int predicted = predictions[row];
                    if (confusion != null) {
                        confusion[label][predicted]++;
                    }
                    correct += label == predicted ? 1 : 0;
                }
            }
        }
        int n = data.size();
        return new Evaluation(data.name(), n, lossSum / n, classes ? (double) correct / n : Double.NaN, confusion);
    }

    /** RMSE, MAE and R² from the same forward pass as the loss. */
    private Evaluation regression(Model model, Workspace ws) {
        RegressionSums sums = new RegressionSums(model.outputs(), PLOTTED_POINTS);
        for (int b = 0; b < batches.batchesPerEpoch(); b++) {
            Batch batch = batches.next();
            Tensor targets = ((Targets.Dense) batch.targetsFor(model)).values();
            sums.add(model.forward(batch.X(), Mode.INFERENCE, ws), targets, batch.size());
        }
        return new Evaluation(data.name(), data.size(), sums.loss(), Double.NaN, null, sums.metrics());
    }

    private Workspace workspaceFor(Model model) {
        if (model != workspaceOwner) {
            if (workspace != null) {
                workspace.close();   // the last model's: an evaluator switching models would hold one per switch
            }
            workspace = model.newWorkspace();
            workspaceOwner = model;
        }
        return workspace;
    }

    @Override
    public void close() {
        batches.close();
        if (workspace != null) {
            workspace.close();   // registered with a model that outlives this evaluator
        }
    }
}

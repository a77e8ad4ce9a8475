package dev.gatun.train;

import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;

import java.util.Map;

/**
 * Training on a cluster engine that lives outside the core: the {@code gatun-spark} module implements it for
 * Apache Spark. The command line finds an implementation by its {@link #engine()} name through
 * {@link java.util.ServiceLoader}, so nothing in the core depends on the engine, and a build without it says how to
 * get it instead.
 */
public interface ClusterTraining {

    /** The engine's name, as the command line asks for it: {@code spark}. */
    String engine();

    /**
     * Trains {@code request}'s model on its data on the cluster and returns the finished model; fails rather than
     * return a partial one. {@code progress} hears of each epoch as the cluster finishes it.
     */
    Result train(Request request, Progress progress) throws Exception;

    /** {@link #train(Request, Progress)} without listening to the epochs. */
    default Result train(Request request) throws Exception {
        return train(request, epoch -> {});
    }

    /**
     * An epoch the cluster has finished.
     *
     * @param epoch the epoch, counted from 1
     * @param loss its training loss (the mean of its steps' costs, weighted by their rows)
     * @param seconds its wall time on the replicas
     * @param learningRate the rate of its last step
     * @param modelFile the model after it as a Gatun model file's bytes, with the optimizer's state (a checkpoint);
     *                  empty for an epoch whose loss is not finite (no model file holds non-finite weights)
     */
    record Epoch(int epoch, double loss, double seconds, double learningRate, byte[] modelFile) {}

    /**
     * Hears of each epoch once, in order, as the cluster finishes it, on a thread of the engine's; the cluster may
     * wait for each call before its next epoch (as {@code gatun train} waits for its epoch's evaluation), the
     * engine waits for the last one before {@code train} returns, and a call that throws fails the run. An epoch
     * whose loss is not finite is the last one told: the engine fails the run after it (that epoch's model file is
     * empty: a listener checks the loss before it reads the file).
     */
    @FunctionalInterface
    interface Progress {
        void epochFinished(Epoch epoch) throws Exception;

        /**
         * Asked once after each {@link #epochFinished} call, on the same thread: false ends the run after that
         * epoch (early stopping), and {@code train} returns the epochs trained so far with the model after it.
         */
        default boolean trainOnAfter(int epoch) {
            return true;
        }
    }

    /**
     * What to train and where.
     *
     * @param master the cluster to run on, in the engine's own form ({@code local[2]}, {@code spark://host:7077})
     * @param partitions replicas; 0 for the tasks the cluster runs at once (executor cores / spark.task.cpus)
     * @param modelSpec the model as a model file stores its spec ({@code ModelSpec.toMap()}); it carries the seed of the initial weights
     * @param shuffleSeed seed of the batch order
     * @param schedule the learning rate by epoch or step, starting at {@code learningRate}
     * @param start where training starts: {@link Start#FRESH}, or after the epochs of a checkpoint
     */
    record Request(String master, int partitions, Map<String, String> modelSpec, Optimizer.Kind optimizer,
                   double learningRate, double beta1, double beta2, int epochs, int batchSize, long shuffleSeed,
                   Normalization.Mode normalization, DataSet train, LearningRateSchedule schedule, Start start) {
        public Request {
            if (start.epochs() >= epochs) {
                throw new IllegalArgumentException("a run of " + epochs + " epochs cannot start after epoch " + start.epochs());
            }
        }
    }

    /**
     * Where a run starts: after {@code epochs} completed epochs, from {@code checkpoint} (a Gatun model file with the
     * optimizer's state, as {@link Epoch#modelFile()} is), or from the model spec's initial weights when
     * {@code epochs} is 0 and {@code checkpoint} null.
     */
    record Start(int epochs, byte[] checkpoint) {
        public static final Start FRESH = new Start(0, null);

        public Start {
            if (epochs < 0 || (epochs == 0) != (checkpoint == null)) {
                throw new IllegalArgumentException("a start after " + epochs + " epochs "
                        + (checkpoint == null ? "without" : "with") + " a checkpoint");
            }
        }
    }

    /**
     * A finished run.
     *
     * @param modelFile the trained model as a Gatun model file's bytes (its normalisation inside)
     * @param epochLosses the training loss of each epoch this run trained (the mean of its steps' costs, weighted by their rows): the
     *        epochs after {@link Request#start()}'s, up to the last requested or the one progress stopped after
     * @param epochSeconds the wall time on the replicas of each of those epochs
     * @param steps optimizer steps taken in all
     * @param details what the engine reports about the run (for Spark: master, partitions, all-reduce bytes and seconds)
     */
    record Result(byte[] modelFile, double[] epochLosses, double[] epochSeconds, long steps, Map<String, Object> details) {}
}

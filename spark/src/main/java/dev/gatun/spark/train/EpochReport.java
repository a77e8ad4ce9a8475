package dev.gatun.spark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What replica 0 tells the driver after each epoch: the epoch (counted from 1), its loss, wall time, seconds in the
 * all-reduce and last learning rate, and the state after it ({@link TrainingState#checkpoint()}), tagged with the
 * stage attempt that trained it. Its wire form is this order of fields, the checkpoint length-prefixed. A diverged
 * epoch (its loss not finite) carries no state ({@link #NO_STATE}): its weights are not finite, and no model file
 * holds such weights.
 */
record EpochReport(int attempt, int epoch, double loss, double seconds, double allReduceSeconds, double learningRate,
                   byte[] checkpoint) {
    /** Larger than any checkpoint a replica writes (the weights and up to two optimizer moments of a model). */
    private static final int MAX_CHECKPOINT_BYTES = Integer.MAX_VALUE - 64;
    /** The checkpoint of a diverged epoch's report. */
    static final byte[] NO_STATE = new byte[0];

    void write(DataOutputStream out) throws IOException {
        out.writeInt(attempt);
        out.writeInt(epoch);
        out.writeDouble(loss);
        out.writeDouble(seconds);
        out.writeDouble(allReduceSeconds);
        out.writeDouble(learningRate);
        out.writeInt(checkpoint.length);
        out.write(checkpoint);
        out.flush();
    }

    static EpochReport read(DataInputStream in) throws IOException {
        int attempt = in.readInt();
        int epoch = in.readInt();
        double loss = in.readDouble();
        double seconds = in.readDouble();
        double allReduceSeconds = in.readDouble();
        double learningRate = in.readDouble();
        int length = in.readInt();
        if (length < (Double.isFinite(loss) ? 1 : 0) || length > MAX_CHECKPOINT_BYTES || epoch < 1) {
            throw new IOException("malformed epoch report: epoch " + epoch + ", " + length + " checkpoint bytes");
        }
        byte[] checkpoint = new byte[length];
        in.readFully(checkpoint);
        return new EpochReport(attempt, epoch, loss, seconds, allReduceSeconds, learningRate, checkpoint);
    }

    /** This report without its checkpoint: the figures of an epoch that a later one's state supersedes. */
    EpochReport withoutCheckpoint() {
        return new EpochReport(attempt, epoch, loss, seconds, allReduceSeconds, learningRate, null);
    }

    /** Whether this report holds the state after its epoch: every report but a diverged epoch's. */
    boolean hasState() {
        return checkpoint != null && checkpoint.length > 0;
    }

    TrainingState state() {
        return new TrainingState(epoch, checkpoint);
    }
}

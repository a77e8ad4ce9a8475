package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

/**
 * One replica's view of a training batch split over several replicas that hold the same weights (synchronous data
 * parallelism): what a pass over this replica's rows needs to know about the rest of the batch so that it computes
 * what one pass over the whole batch would. Batch norm sums its per-feature statistics through
 * {@link #sumOverReplicas} (synchronized batch norm), dropout keys each row's mask by the row's {@link #rowId}, so
 * a row gets the same mask whichever replica holds it. A cluster engine implements it over its all-reduce; see
 * {@link Model#computeDataGradients(Tensor, Targets, SharedBatch, Workspace)}.
 */
public interface SharedBatch {
    /** Rows of the whole batch, over all replicas. */
    long rows();

    /**
     * The id of row {@code i} of this replica's part of the batch: a number the row keeps whichever replica holds it
     * (its global row id), so dropout draws the same mask for it everywhere.
     */
    long rowId(int i);

    /**
     * Replaces {@code values} with their elementwise sum over all replicas of the batch. Every replica calls it the
     * same number of times, in the same order, with tensors of the same size, and gets the same bits back.
     */
    void sumOverReplicas(Tensor values);
}

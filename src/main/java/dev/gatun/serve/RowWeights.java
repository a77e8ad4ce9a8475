package dev.gatun.serve;

/**
 * How the batch-1 (row) kernel stores a layer's weights. The batch path (sgemm) always uses float32.
 *
 * <p>A row prediction reads every weight once, so its time is the time to stream the weights through the
 * core: 784-256-128-10 holds 941 KB in float32, more than a 512 KB L2 per core (each call then streams from L3) and
 * just within a 1 MB one. In bfloat16 the same weights take 470 KB and stay in either.
 */
public enum RowWeights {
    /** The model's weights exactly: row predictions are bit-for-bit those of a plain float32 loop. */
    FLOAT32,
    /**
     * Weights rounded to bfloat16 (8 significant bits, nearest-even), arithmetic in float32: half the bytes per
     * call, at a relative weight error of at most 2⁻⁹. Check the model's accuracy with it before deploying
     * ({@code gatun eval --row-weights bfloat16}; on Fashion-MNIST's test set the 784-256-128-10 network classifies
     * as well, see FashionMnistTrainingTest).
     */
    BFLOAT16
}

package dev.gatun.kernels;

import dev.gatun.activation.Activation;
import dev.gatun.kernels.scalar.ScalarKernels;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The one switch between the Vector API kernels and their scalar twins. A provider holds one implementation per
 * kernel family (the nested interfaces); {@link #selected()} is chosen once per JVM by {@link Vectorization} and the
 * static kernel entry points ({@link ActivationKernels}, ..., and the gather and serving kernels of {@code data} and
 * {@code serve}) keep its families in {@code static final} fields, so C2 sees a constant receiver and inlines through
 * the interface.
 *
 * <p>{@link #scalar()} ({@code dev.gatun.kernels.scalar}) needs nothing beyond java.base and computes in double
 * through {@link Tensor#get}: the fallback and the tests' oracle. {@link #vector()} ({@code dev.gatun.kernels.vector})
 * is the only code that names {@code jdk.incubator.vector} types; it is loaded by name, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} never links it. The vector families run float32 in SIMD and hand float64
 * (used by the gradient check) to the scalar twins.
 *
 * <p>Family methods do no argument checks: the entry points check before they call, and the tests call both
 * providers with valid arguments only.
 */
public record KernelProvider(String name, Activations activations, Softmax softmax, Losses losses, BatchNorm batchNorm,
                             Dropout dropout, Regularization regularization, Reductions reductions, Optimizer optimizer,
                             Gather gather, Serving serving) {
    /** The class whose static {@code create()} makes the Vector API provider; loaded by name only. */
    public static final String VECTOR_CLASS = "dev.gatun.kernels.vector.VectorKernels";

    /** The provider this JVM's kernels use. */
    public static KernelProvider selected() {
        return Vectorization.PROVIDER;
    }

    /** The scalar twins. */
    public static KernelProvider scalar() {
        return ScalarKernels.PROVIDER;
    }

    /**
     * A new Vector API provider, whatever {@code gatun.kernels} says.
     *
     * @throws UnsupportedOperationException when {@code jdk.incubator.vector} is not in the boot layer
     */
    public static KernelProvider vector() {
        if (!Vectorization.vectorModulePresent()) {
            throw new UnsupportedOperationException("jdk.incubator.vector is not in the module graph: start java with "
                    + Vectorization.FLAG);
        }
        try {
            Class<?> type = Class.forName(VECTOR_CLASS);
            // This module's own lookup: on the module path the vector package is not exported, so a public lookup
            // (which sees exported packages only) cannot reach it.
            return (KernelProvider) MethodHandles.lookup()
                    .findStatic(type, "create", MethodType.methodType(KernelProvider.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create the provider of " + VECTOR_CLASS, e);
        }
    }

    /**
     * Activations: {@code A = g(Z + b)} (b optional) and {@code dZ = dA ⊙ g'(A)}. The range forms compute rows
     * [fromRow, toRow) or elements [from, to) exactly as the whole call computes them there, when {@code from} is a
     * multiple of {@link SplitKernels#ALIGNMENT} (or 0): what lets {@link SplitKernels} hand ranges to threads.
     */
    public interface Activations {
        default void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
            biasActivation(g, Z, b, A, 0, Z.rows());
        }

        void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A, long fromRow, long toRow);

        default void activate(Activation g, Tensor Z, Tensor A) {
            activate(g, Z, A, 0, Z.size());
        }

        void activate(Activation g, Tensor Z, Tensor A, long from, long to);

        default void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
            activationBackward(g, dA, A, dZ, 0, dA.size());
        }

        void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from, long to);
    }

    /** Row-wise softmax, and softmax fused with cross-entropy; each label is checked ({@link Check#label}) where it is read. */
    public interface Softmax {
        void softmax(Tensor Z, Tensor P);

        default double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ) {
            return softmaxCrossEntropy(Z, labels, dZ, 0, Z.rows());
        }

        /**
         * Rows [fromRow, toRow), fromRow a multiple of {@link #rowBlock}: the same dZ bits as the whole call there.
         * The whole call's loss is the sum, from 0 and in row order, of this method's results over consecutive
         * blocks of {@link #rowBlock} rows.
         */
        double softmaxCrossEntropy(Tensor Z, MemorySegment labels, Tensor dZ, long fromRow, long toRow);

        /** Rows per block of the loss sum for this Z and dZ: the unit a split must keep whole. */
        long rowBlock(Tensor Z, Tensor dZ);
    }

    /** Elementwise losses returning their sum and writing the output gradient. */
    public interface Losses {
        double sigmoidCrossEntropy(Tensor Z, Tensor Y, Tensor dZ);

        double squaredError(Tensor Yhat, Tensor Y, Tensor dZ);
    }

    /**
     * The bulk passes of batch norm, per column over the rows. Each column is computed on its own, so the range forms
     * over columns [fromCol, toCol), fromCol a multiple of {@link SplitKernels#ALIGNMENT}, give the whole call's bits.
     */
    public interface BatchNorm {
        default void meanVariance(Tensor Z, Tensor mean, Tensor var) {
            meanVariance(Z, mean, var, 0, Z.cols());
        }

        void meanVariance(Tensor Z, Tensor mean, Tensor var, long fromCol, long toCol);

        default void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat,
                               Tensor Ztilde) {
            normalize(Z, mean, invStd, gamma, beta, Zhat, Ztilde, 0, Z.cols());
        }

        void normalize(Tensor Z, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor Zhat, Tensor Ztilde,
                       long fromCol, long toCol);

        default void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta) {
            backwardSums(G, Zhat, dgamma, dbeta, 0, G.cols());
        }

        void backwardSums(Tensor G, Tensor Zhat, Tensor dgamma, Tensor dbeta, long fromCol, long toCol);

        default void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta,
                                   Tensor dZ) {
            backwardInput(G, Zhat, gamma, invStd, dgamma, dbeta, dZ, 0, G.cols());
        }

        void backwardInput(Tensor G, Tensor Zhat, Tensor gamma, Tensor invStd, Tensor dgamma, Tensor dbeta, Tensor dZ,
                           long fromCol, long toCol);
    }

    /** Inverted dropout with the counter-based mask of {@link DropoutKernels#kept}. */
    public interface Dropout {
        default void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D) {
            forward(A, keepProb, key, M, D, 0, A.size());
        }

        /** Elements [from, to); the mask depends on each element's index only, so any range gives the same bits. */
        void forward(Tensor A, double keepProb, long key, Tensor M, Tensor D, long from, long to);

        /** Row {@code row} of A only, hashing the element's index within the row. */
        void forwardRow(Tensor A, long row, double keepProb, long key, Tensor M, Tensor D);

        default void backward(Tensor dD, Tensor M, Tensor dA) {
            backward(dD, M, dA, 0, dD.size());
        }

        void backward(Tensor dD, Tensor M, Tensor dA, long from, long to);
    }

    /** The regularizers' share of dW. */
    public interface Regularization {
        void addScaled(Tensor dW, Tensor W, double c);

        void addScaledSign(Tensor dW, Tensor W, double c);
    }

    /** Column sums and whole-tensor norms. */
    public interface Reductions {
        default void columnSums(Tensor X, double scale, Tensor out) {
            columnSums(X, scale, out, 0, X.cols());
        }

        /** Columns [fromCol, toCol), fromCol a multiple of {@link SplitKernels#ALIGNMENT}: the whole call's bits there. */
        void columnSums(Tensor X, double scale, Tensor out, long fromCol, long toCol);

        double sumSquares(Tensor x);

        double sumAbs(Tensor x);
    }

    /**
     * The fused optimizer updates of {@link OptimizerKernels} over elements [from, to) of each segment. Each returns
     * whether every updated element of W is finite: the explosion check, folded into the pass that writes W. Every
     * element's update depends on that element alone, so any split into ranges gives the same bits.
     *
     * <p>{@code dW2}, where not null, is a second gradient the update adds to {@code dW} element by element (the sum
     * rounded to the element type) as it reads it: data-parallel replicas' gradients summed inside the update's one
     * pass rather than in a pass of their own.
     */
    public interface Optimizer {
        /**
         * Ranges whose length is a multiple of this run without the provider's scalar tail (1: no tail). A caller
         * that cuts ranges itself, as {@link ParameterUpdate} does, hands the rest of each range to the scalar twins
         * instead. Why: with its tail's scalar loop inlined, C2's compilation of the vector Adam kernel ran out of
         * its node budget in some runs and left one of the kernel's vector operations as a call that allocates,
         * which made the whole training run three times slower (2 of 12 runs of {@code gatun train}).
         */
        default int vectorElements(DType dtype) {
            return 1;
        }

        default void sgd(DType dtype, MemorySegment W, MemorySegment dW, long n, double alpha) {
            sgd(dtype, W, dW, null, 0, n, alpha);
        }

        boolean sgd(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, long from, long to,
                    double alpha);

        default void momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, long n, double alpha,
                              double beta) {
            momentum(dtype, W, dW, null, v, 0, n, alpha, beta);
        }

        boolean momentum(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                         long from, long to, double alpha, double beta);

        default void rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment s, long n, double alpha,
                             double beta2, double epsilon) {
            rmsprop(dtype, W, dW, null, s, 0, n, alpha, beta2, epsilon);
        }

        boolean rmsprop(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment s,
                        long from, long to, double alpha, double beta2, double epsilon);

        default void adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment v, MemorySegment s, long n,
                          double alpha, double beta1, double beta2, double epsilon, long t) {
            adam(dtype, W, dW, null, v, s, 0, n, alpha, beta1, beta2, epsilon, t);
        }

        boolean adam(DType dtype, MemorySegment W, MemorySegment dW, MemorySegment dW2, MemorySegment v,
                     MemorySegment s, long from, long to, double alpha, double beta1, double beta2, double epsilon,
                     long t);
    }

    /**
     * The data loader's row loops: unsigned bytes to normalised float32 ({@code x·scale[j] + shift[j]}, fused
     * multiply-add, j the feature index in the output row), forwards or mirrored, the same affine map on float
     * rows, and the per-feature sums behind the normalisation statistics.
     */
    public interface Gather {
        /** {@code dst[k] = src[k]·scale[j+k] + shift[j+k]} for {@code k < count}. */
        void bytesToFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int count,
                           float[] scale, float[] shift, int j);

        /** {@code dst[k] = src[srcEnd-1-k]·scale[j+k] + shift[j+k]}: the mirrored row of a horizontal flip. */
        void bytesToFloatsReversed(MemorySegment src, long srcEnd, MemorySegment dst, long dstOffset, int count,
                                   float[] scale, float[] shift, int j);

        /** {@code out[k] = in[k]·scale[k] + shift[k]} over float32 rows at byte offsets; in and out may be the same. */
        void affine(MemorySegment in, long inOffset, MemorySegment out, long outOffset, int count, float[] scale,
                    float[] shift);

        void affine(float[] in, float[] out, int count, float[] scale, float[] shift);

        /** {@code sum[k] += x[k]; sumSq[k] += x[k]²} for one row of unsigned bytes, in float. */
        void accumulate(MemorySegment src, long srcOffset, int count, float[] sum, float[] sumSq);
    }

    /**
     * The batch-1 serving kernels: the input normalisation {@code x·scale + shift} (fused multiply-add) between heap
     * and off-heap rows, the non-finite check, and the dense layer {@code a = g(W·x + b)} over W packed in panels of
     * {@link #panelOutputs()} outputs: {@code P[s·nIn + k·PANEL + (i − s)] = W[i, k]} for panel start s, or as
     * bfloat16 pairs where output l of a panel sits in half {@code l < PANEL/2 ? 2l : 2(l − PANEL/2) + 1}. Each
     * output is one fma chain in k order from 0, so every provider gives the same bits. Then the output layer's
     * sigmoid or softmax over the row's few outputs.
     */
    public interface Serving {
        int panelOutputs();

        void normalize(float[] in, int from, float[] scale, float[] shift, float[] out, int n);

        void normalize(MemorySegment in, long at, float[] scale, float[] shift, float[] out, int n);

        void normalize(float[] in, int from, float[] scale, float[] shift, MemorySegment out, long at, int n);

        void normalize(MemorySegment in, long inAt, float[] scale, float[] shift, MemorySegment out, long at, int n);

        /** Index of the first non-finite value among {@code in[from, from + n)}, or −1. */
        int firstNonFinite(float[] in, int from, int n);

        /** Index of the first non-finite value among n floats from byte offset {@code at}, or −1. */
        long firstNonFinite(MemorySegment in, long at, long n);

        /**
         * {@code a[i] = g(Σ_k W[i,k]·x[k] + b[i])} for i < nOut over float32 panels; a holds nOut padded to panels.
         * {@code descending} reads the panels last first: the same bits (each output is its own chain), in the
         * opposite order through memory. A caller that flips it on each row starts every row on the weights the
         * row before read last, which are the ones still in the core's cache when the weights do not all fit.
         *
         * <p>Terms whose x[k] is zero (of either sign) are left out, and with them row k of the weights, which is
         * never read: a ReLU layer's output, or an image's background, is often half zeros, and a row's time is the
         * time its weights take to stream in. {@code nonzero} is scratch for the indices of the other x[k] (at least
         * nIn ints). Each output is the fma chain over the non-zero x[k] in k order: the full chain's value, since
         * with finite weights a zero term adds a zero (the caller's weights must be finite: 0·∞ would be NaN); only
         * a sum of zeros can come out as the other sign of zero.
         */
        void dense(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero, float[] a,
                   boolean descending);

        /** As {@link #dense} over bfloat16 panels. */
        void denseBfloat16(MemorySegment P, float[] b, Activation g, int nOut, int nIn, float[] x, int[] nonzero,
                           float[] a, boolean descending);

        /** {@code a[j] = g(z[j])} for j < n, in float, with {@link #dense}'s NaN rule; a may be z. */
        void activate(Activation g, float[] z, float[] a, int n);

        /** {@code p = softmax(z)} over n values, max-shifted, summed in double; p may be z. */
        void softmax(float[] z, float[] p, int n);
    }
}

package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.LayerSpec;
import dev.gatun.nn.Loss;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.Regularization;

import java.util.ArrayList;
import java.util.List;

/**
 * An imported graph's operators, in order, folded into Gatun's dense layers in double precision. Every elementwise
 * affine operator ({@code Add}, {@code Sub}, {@code Mul}, {@code Div} by a constant, inference batch norm) is exact
 * algebra on a neighbouring linear layer: applied to an open layer (a linear map with no activation yet) it scales
 * the layer's rows and moves its bias; after an activation it waits and is folded into the next linear layer's
 * columns and bias. Those that come before anything else are the input normalisation and stay separate, as
 * Gatun's own {@code Normalization}. An activation closes the open layer; the operator that ends the graph decides
 * the output: Softmax or LogSoftmax (softmax probabilities), Sigmoid, or none (linear values).
 *
 * <p>Problems are IllegalArgumentExceptions whose message the reader prefixes with the file and node.
 */
final class OnnxLayers {
    /** A folded dense layer: {@code g(W·x + b)}, W {@code (out, in)} row-major. */
    record Dense(int in, int out, double[] W, double[] b, Activation activation) {}

    /** An elementwise map {@code x·scale + shift}; one value broadcasts over every feature. */
    record Affine(double[] scale, double[] shift) {
        static final Affine IDENTITY = new Affine(new double[] {1}, new double[] {0});

        int width() {
            return Math.max(scale.length, shift.length);
        }

        double scale(int j) {
            return scale[scale.length == 1 ? 0 : j];
        }

        double shift(int j) {
            return shift[shift.length == 1 ? 0 : j];
        }

        /** This map, then {@code next}. */
        Affine then(Affine next) {
            int width = broadcast(width(), next.width());
            double[] s = new double[width];
            double[] t = new double[width];
            for (int j = 0; j < width; j++) {
                s[j] = scale(j) * next.scale(j);
                t[j] = shift(j) * next.scale(j) + next.shift(j);
            }
            return new Affine(s, t);
        }

        /** Checked against {@code width} features. */
        Affine fit(int width) {
            broadcast(width, width());
            if (width() != 1 && width() != width) {
                throw new IllegalArgumentException("an elementwise constant of " + width() + " values meets " + width
                        + " features");
            }
            return this;
        }

        private static int broadcast(int a, int b) {
            if (a != b && a != 1 && b != 1) {
                throw new IllegalArgumentException("elementwise constants of " + a + " and " + b
                        + " values do not broadcast together");
            }
            return Math.max(a, b);
        }
    }

    /**
     * Elementwise maps composed as they come. A scalar map (one value) joins in O(1): folded one by one into the
     * layer's rows, 200,000 {@code Mul} nodes sharing one scalar constant cost 200,000 × in × out operations, minutes
     * of loading for a file of 22 MB. A map of many values is composed at the cost of its width, which the constant's
     * own size (counted by the reader's decode budget) pays for.
     */
    static final class AffineRun {
        private Affine vector = Affine.IDENTITY;
        /** The scalar maps after {@code vector}: {@code x·a + c}. */
        private double a = 1;
        private double c = 0;

        void then(Affine map) {
            if (map.width() == 1) {
                a *= map.scale(0);
                c = c * map.scale(0) + map.shift(0);
            } else {
                vector = result().then(map);
                a = 1;
                c = 0;
            }
        }

        Affine result() {
            return a == 1 && c == 0 ? vector : vector.then(new Affine(new double[] {a}, new double[] {c}));
        }

        boolean isIdentity() {
            return vector == Affine.IDENTITY && a == 1 && c == 0;
        }
    }

    private final List<Dense> closed = new ArrayList<>();
    private final AffineRun normalization = new AffineRun();
    private boolean normalizing = true;
    private AffineRun pending = new AffineRun();
    /** Maps after the open layer, folded into its rows when it closes. */
    private AffineRun openMaps = new AffineRun();
    private double[] openW;
    private double[] openB;
    private int openIn;
    private int openOut;
    private int width = -1; // features flowing at this point; -1 until the first linear layer fixes the input width
    /** The channels of batch norms before the first linear layer, which checks them; -1 for none. */
    private int channelsBeforeFirst = -1;
    private Loss loss;

    /** An elementwise affine operator: normalisation while nothing else came, else folded into a linear layer. */
    void affine(Affine map, boolean normalisationOperator) {
        requireNotEnded("an elementwise operator");
        if (normalizing && normalisationOperator) {
            normalization.then(map);
            return;
        }
        normalizing = false;
        int features = openW != null ? openOut : width;
        if (!normalisationOperator) {
            // ONNX gives batch norm one value per channel, no broadcasting: a runtime refuses one value for many.
            // Before the first linear layer the width is not known yet: the layer checks it (channelsBeforeFirst).
            if (features >= 0 && map.width() != features) {
                throw new IllegalArgumentException("BatchNormalization of " + map.width() + " channels meets " + features
                        + " features");
            }
            if (features < 0) {
                if (channelsBeforeFirst >= 0 && channelsBeforeFirst != map.width()) {
                    throw new IllegalArgumentException("BatchNormalization of " + map.width() + " channels follows one of "
                            + channelsBeforeFirst);
                }
                channelsBeforeFirst = map.width();
            }
        }
        if (openW == null) {
            pending.then(width < 0 ? map : map.fit(width));
            return;
        }
        openMaps.then(map.fit(openOut));
    }

    /** The maps after the open layer, into its rows and bias: once per layer, whatever their number. */
    private void foldOpenMaps() {
        if (openMaps.isIdentity()) {
            return;
        }
        Affine map = openMaps.result();
        for (int o = 0; o < openOut; o++) {
            double s = map.scale(o);
            for (int i = 0; i < openIn; i++) {
                openW[o * openIn + i] *= s;
            }
            openB[o] = openB[o] * s + map.shift(o);
        }
        openMaps = new AffineRun();
    }

    /** A linear layer {@code W·x + b}, W {@code (out, in)} row-major, with any waiting affine map folded into it. */
    void linear(int in, int out, double[] W, double[] b) {
        requireNotEnded("a linear layer");
        if (openW != null) {
            closeOpen(Activation.IDENTITY);
        }
        if (width >= 0 && in != width) {
            throw new IllegalArgumentException("a linear layer of " + in + " inputs follows " + width + " features");
        }
        normalizing = false;
        if (channelsBeforeFirst >= 0 && channelsBeforeFirst != in) {
            throw new IllegalArgumentException("BatchNormalization of " + channelsBeforeFirst + " channels meets " + in
                    + " features");
        }
        channelsBeforeFirst = -1;
        Affine before = pending.result().fit(in);
        for (int o = 0; o < out; o++) {
            double shift = 0;
            for (int i = 0; i < in; i++) {
                shift += W[o * in + i] * before.shift(i);
                W[o * in + i] *= before.scale(i);
            }
            b[o] += shift;
        }
        if (closed.isEmpty()) {
            normalization.result().fit(in);
        }
        pending = new AffineRun();
        openW = W;
        openB = b;
        openIn = in;
        openOut = out;
        width = out;
    }

    /** A hidden activation: closes the open linear layer. */
    void activation(Activation g, String op) {
        requireNotEnded(op);
        if (openW == null) {
            throw new IllegalArgumentException(op + " does not follow a linear layer (Gatun applies one activation per dense layer)");
        }
        closeOpen(g);
    }

    /** The graph ends with the open layer's logits through {@code loss}'s output function. */
    void output(Loss outputLoss, String op) {
        requireNotEnded(op);
        if (openW == null) {
            throw new IllegalArgumentException(op + " must directly follow the last linear layer");
        }
        this.loss = outputLoss;
    }

    private void requireNotEnded(String what) {
        if (loss != null) {
            throw new IllegalArgumentException(what + " after the output activation: Softmax, LogSoftmax and a final "
                    + "Sigmoid must end the graph");
        }
    }

    private void closeOpen(Activation g) {
        foldOpenMaps();
        closed.add(new Dense(openIn, openOut, openW, openB, g));
        openW = null;
        openB = null;
    }

    /** The layers, the last one the output layer; the graph is complete. */
    List<Dense> layers() {
        requireComplete();
        foldOpenMaps();
        List<Dense> all = new ArrayList<>(closed);
        all.add(new Dense(openIn, openOut, openW, openB, Activation.IDENTITY));
        return all;
    }

    /** The input normalisation, fitted to the first layer's inputs. */
    Affine normalization() {
        requireComplete();
        return normalization.result().fit(layers().getFirst().in());
    }

    /** The architecture: every layer but the last hidden, plain dense; the output's loss from the final operator. */
    ModelSpec spec() {
        List<Dense> layers = layers();
        List<LayerSpec> hidden = new ArrayList<>();
        for (Dense d : layers.subList(0, layers.size() - 1)) {
            hidden.add(new LayerSpec(d.out(), d.activation(), 1.0, false));
        }
        Dense last = layers.getLast();
        return new ModelSpec(layers.getFirst().in(), hidden, last.out(), loss == null ? Loss.MSE : loss, Init.HE,
                Regularization.NONE, 0);
    }

    private void requireComplete() {
        if (openW == null) {
            throw new IllegalArgumentException(closed.isEmpty() ? "the graph holds no linear layer (Gemm or MatMul)"
                    : "the graph ends with " + closed.getLast().activation() + " after its last linear layer: Gatun's "
                    + "output is linear, Softmax, LogSoftmax or Sigmoid, and an elementwise operator after the last "
                    + "activation has no linear layer to fold into");
        }
    }
}

package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Activations forward and backward. The forward is fused with the bias add ({@code A = g(Z + b)}: one read of Z,
 * one write of A, right after the layer's sgemm); the backward fuses the derivative into dZ
 * ({@code dZ = dA ⊙ g'(A)}), computed from A so Z need not be kept. Outputs may be their inputs (in place).
 * Each kernel has a scalar twin ({@code scalar...}) that computes in double through {@link Tensor#get}: the
 * tests' oracle and the fallback when the Vector API is absent.
 */
public final class ActivationKernels {
    private ActivationKernels() {}

    /** {@code A = g(Z + b)}, b (one value per column) broadcast over the rows. */
    public static void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkBias(g, Z, b, A);
        if (!Vectorization.ENABLED) {
            scalarAffine(g, Z, b, A);
        } else if (Z.dtype() == DType.F32) {
            F32.affine(g, Z.segment(), b.segment(), A.segment(), Z.rows(), Z.cols());
        } else {
            F64.affine(g, Z.segment(), b.segment(), A.segment(), Z.rows(), Z.cols());
        }
    }

    public static void scalarBiasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkBias(g, Z, b, A);
        scalarAffine(g, Z, b, A);
    }

    /** {@code A = g(Z)} elementwise. */
    public static void activate(Activation g, Tensor Z, Tensor A) {
        checkForward("activate", g, Z, A);
        if (!Vectorization.ENABLED) {
            scalarAffine(g, Z, null, A);
        } else if (Z.dtype() == DType.F32) {
            F32.affine(g, Z.segment(), null, A.segment(), 1, Z.size());
        } else {
            F64.affine(g, Z.segment(), null, A.segment(), 1, Z.size());
        }
    }

    public static void scalarActivate(Activation g, Tensor Z, Tensor A) {
        checkForward("activate", g, Z, A);
        scalarAffine(g, Z, null, A);
    }

    /** {@code dZ = dA ⊙ g'(Z)}, with g' taken from the layer's output {@code A = g(Z)}. dZ may be dA. */
    public static void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        checkBackward(g, dA, A, dZ);
        if (!Vectorization.ENABLED) {
            scalarBackward(g, dA, A, dZ, 0);
        } else if (dA.dtype() == DType.F32) {
            scalarBackward(g, dA, A, dZ, F32.backward(g, dA.segment(), A.segment(), dZ.segment(), dA.size()));
        } else {
            scalarBackward(g, dA, A, dZ, F64.backward(g, dA.segment(), A.segment(), dZ.segment(), dA.size()));
        }
    }

    public static void scalarActivationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        checkBackward(g, dA, A, dZ);
        scalarBackward(g, dA, A, dZ, 0);
    }

    private static void checkForward(String op, Activation g, Tensor Z, Tensor A) {
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", A, "A");
        Check.sameOrDisjoint(op, A, "A", Z, "Z");
    }

    private static void checkBias(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkForward("biasActivation", g, Z, A);
        Check.perColumn("biasActivation", Z, "Z", b, "b");
    }

    private static void checkBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        String op = "activationBackward";
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "dA", dA);
        Check.like(op, dA, "dA", A, "A");
        Check.like(op, dA, "dA", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", dA, "dA");
        Check.sameOrDisjoint(op, dZ, "dZ", A, "A");
    }

    private static void scalarAffine(Activation g, Tensor Z, Tensor b, Tensor A) {
        long rows = b == null ? 1 : Z.rows();
        long cols = b == null ? Z.size() : Z.cols();
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                long k = i * cols + j;
                A.set(k, g.apply(Z.get(k) + (b == null ? 0.0 : b.get(j))));
            }
        }
    }

    /** The twin, and the vector bodies' scalar tail from index {@code from}. */
    private static void scalarBackward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from) {
        for (long k = from; k < dA.size(); k++) {
            dZ.set(k, dA.get(k) * g.derivativeFromOutput(A.get(k)));
        }
    }

    /*
     * One loop per activation family, with the formula written inside it: a helper taking or returning vectors
     * gets compiled on its own, is then too large to inline, and boxes every vector it is passed.
     * Piecewise linear: g(z) = z > 0 ? z : slope·z, g' = a > 0 ? 1 : slope. Logistic: g(z) = scale/(1 + e^(−steepness·z))
     * + offset, g' = (steepness/scale)·(a − offset)·(scale + offset − a). See Activation.
     */
    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        /** a[i, j] = g(z[i, j] + shift[j]), shift optional; the last vector of each row masked. */
        static void affine(Activation g, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            if (g.logistic) {
                affineLogistic((float) g.scale, (float) -g.steepness, (float) g.offset, z, shift, a, rows, cols);
            } else {
                affineLinear((float) g.slope, z, shift, a, rows, cols);
            }
        }

        private static void affineLinear(float slope, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            VectorMask<Float> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0f)).intoMemorySegment(a, row + j * BYTES, O);
                }
                if (bound < cols) {
                    FloatVector v = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
                    if (shift != null) {
                        v = v.add(FloatVector.fromMemorySegment(S, shift, bound * BYTES, O, tail));
                    }
                    v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0f)).intoMemorySegment(a, row + bound * BYTES, O, tail);
                }
            }
        }

        private static void affineLogistic(float scale, float minusSteepness, float offset, MemorySegment z, MemorySegment shift,
                                           MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            FloatVector top = FloatVector.broadcast(S, scale);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    top.div(FastExp.exp(v.mul(minusSteepness)).add(1f)).add(offset)
                            .intoMemorySegment(a, row + j * BYTES, O);
                }
                if (bound < cols) {
                    logisticTail(scale, minusSteepness, offset, z, shift, a, row, bound, cols);
                }
            }
        }

        /**
         * The masked last vector of a row, on its own: a second FastExp.exp inlined into the row loop passed C2's
         * node-count cutoff, and the call left behind boxed its vectors (ModelTest's zero-allocation check caught it).
         */
        private static void logisticTail(float scale, float minusSteepness, float offset, MemorySegment z, MemorySegment shift,
                                         MemorySegment a, long row, long bound, long cols) {
            VectorMask<Float> tail = S.indexInRange(bound, cols);
            FloatVector v = FloatVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
            if (shift != null) {
                v = v.add(FloatVector.fromMemorySegment(S, shift, bound * BYTES, O, tail));
            }
            FloatVector.broadcast(S, scale).div(FastExp.exp(v.mul(minusSteepness)).add(1f)).add(offset)
                    .intoMemorySegment(a, row + bound * BYTES, O, tail);
        }

        /** Whole vectors only; returns where the scalar tail starts. */
        static long backward(Activation g, MemorySegment dA, MemorySegment a, MemorySegment dZ, long n) {
            long bound = S.loopBound(n);
            if (g.logistic) {
                float factor = (float) (g.steepness / g.scale);
                float offset = (float) g.offset;
                FloatVector top = FloatVector.broadcast(S, (float) (g.scale + g.offset));
                for (long i = 0; i < bound; i += S.length()) {
                    long off = i * BYTES;
                    FloatVector d = FloatVector.fromMemorySegment(S, dA, off, O);
                    FloatVector out = FloatVector.fromMemorySegment(S, a, off, O);
                    d.mul(factor).mul(out.sub(offset)).mul(top.sub(out)).intoMemorySegment(dZ, off, O);
                }
            } else {
                float slope = (float) g.slope;
                for (long i = 0; i < bound; i += S.length()) {
                    long off = i * BYTES;
                    FloatVector d = FloatVector.fromMemorySegment(S, dA, off, O);
                    FloatVector out = FloatVector.fromMemorySegment(S, a, off, O);
                    d.blend(d.mul(slope), out.compare(VectorOperators.LE, 0f)).intoMemorySegment(dZ, off, O);
                }
            }
            return bound;
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static void affine(Activation g, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            if (g.logistic) {
                affineLogistic(g.scale, -g.steepness, g.offset, z, shift, a, rows, cols);
            } else {
                affineLinear(g.slope, z, shift, a, rows, cols);
            }
        }

        private static void affineLinear(double slope, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            VectorMask<Double> tail = S.indexInRange(bound, cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0.0)).intoMemorySegment(a, row + j * BYTES, O);
                }
                if (bound < cols) {
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, bound * BYTES, O, tail));
                    }
                    v.blend(v.mul(slope), v.compare(VectorOperators.LE, 0.0)).intoMemorySegment(a, row + bound * BYTES, O, tail);
                }
            }
        }

        private static void affineLogistic(double scale, double minusSteepness, double offset, MemorySegment z, MemorySegment shift,
                                           MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            VectorMask<Double> tail = S.indexInRange(bound, cols);
            DoubleVector top = DoubleVector.broadcast(S, scale);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                for (long j = 0; j < bound; j += S.length()) {
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    top.div(v.mul(minusSteepness).lanewise(VectorOperators.EXP).add(1.0)).add(offset)
                            .intoMemorySegment(a, row + j * BYTES, O);
                }
                if (bound < cols) {
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + bound * BYTES, O, tail);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, bound * BYTES, O, tail));
                    }
                    top.div(v.mul(minusSteepness).lanewise(VectorOperators.EXP).add(1.0)).add(offset)
                            .intoMemorySegment(a, row + bound * BYTES, O, tail);
                }
            }
        }

        static long backward(Activation g, MemorySegment dA, MemorySegment a, MemorySegment dZ, long n) {
            long bound = S.loopBound(n);
            if (g.logistic) {
                double factor = g.steepness / g.scale;
                DoubleVector top = DoubleVector.broadcast(S, g.scale + g.offset);
                for (long i = 0; i < bound; i += S.length()) {
                    long off = i * BYTES;
                    DoubleVector d = DoubleVector.fromMemorySegment(S, dA, off, O);
                    DoubleVector out = DoubleVector.fromMemorySegment(S, a, off, O);
                    d.mul(factor).mul(out.sub(g.offset)).mul(top.sub(out)).intoMemorySegment(dZ, off, O);
                }
            } else {
                for (long i = 0; i < bound; i += S.length()) {
                    long off = i * BYTES;
                    DoubleVector d = DoubleVector.fromMemorySegment(S, dA, off, O);
                    DoubleVector out = DoubleVector.fromMemorySegment(S, a, off, O);
                    d.blend(d.mul(g.slope), out.compare(VectorOperators.LE, 0.0)).intoMemorySegment(dZ, off, O);
                }
            }
            return bound;
        }
    }
}
